"""Authors' review: a private, signed, expiring link per request that shows an entry's planned
summary to the paper's authors and collects their approval, comments and proposed edits."""

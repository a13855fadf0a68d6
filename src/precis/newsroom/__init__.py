"""The newsroom: people and their credentials, who may do what, writing entries on versions,
comments, activity and the pipeline. The web pages, the JSON API and the ``user`` commands are thin
shells over these modules."""

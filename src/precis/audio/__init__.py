"""The audio edition of an issue and the podcast feed.

An issue's speech script (from ``precis.render``) is a list of segments: announcements and what is
read for each entry. Each segment is synthesized on its own (``synth.py``, in parallel, through a
cache keyed by its text and voice, ``cache.py``), the pieces are joined with pauses, normalized for
loudness and encoded to MP3 with ID3 tags and chapters (``encode.py``). ``episode.py`` runs that for
one issue and records the episode in the store (``model.py``); ``feed.py`` publishes the recorded
episodes as an RSS podcast feed.

Heavy libraries (onnxruntime, scipy, lameenc, feedgen) are imported where they are used, so that
importing this package, as the CLI does at start-up, stays cheap.
"""

"""The librarian's finder: candidates for missing facts from open scholarly services, never applied by itself.

`http.py` asks the services politely, `services.py` turns their answers into candidates, `score.py`
weighs each candidate against what is known, `review.py` writes the review file and `run.py` runs it all.
"""

"""The router's parts: when a rule applies (`matchers`), what it does (`replies`), which guided
report an intent runs (`specs`). The ordered table itself is `bot/router.py`."""

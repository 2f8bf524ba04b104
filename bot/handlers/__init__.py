"""The bot's update handlers, one module per concern (registered in ``bot.app``).

- ``questions``: text messages and /ask → ``answer_question`` (draft, answer, buttons)
- ``buttons``: the buttons under an answer (paragraphs, "More sources", 👍/👎)
- ``documents``: /docs, /doc, /show, inline mode, ``paragraph_html``
- ``help``: /start, /help and the command menus
- ``admin``: /stats, /reload (administrators) and /reset
- ``access``: the allow-list ``gatekeeper`` and the names a list may use
"""

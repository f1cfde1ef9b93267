"""Letters to the requester (issue 12): which kinds a ticket supports (``kinds``), the values a
template is given (``context``), the Jinja2 templates (``templates``), plain text, Markdown and
Word (``formats``), the commands (``use_cases``), what the history says was drafted and sent
(``history``) and which letter is due next (``due``)."""

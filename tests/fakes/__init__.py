"""Real local servers that play the outside world for the tests: the SMS gateway and the DingTalk robot
(``gateway.py``), an SMTP server (``smtp.py``). Only the outbound network is faked (STYLE.md habit 6)."""

"""Name, email and received date from the requester's words."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.triage import extract


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hello, my name is Priya Raman and I want my records.", "Priya Raman"),
        ("Please delete my data.\n\nYours sincerely,\nMargaret Ellison", "Margaret Ellison"),
        ("Delete it.\nKind regards, Mr Desmond Clarke", "Desmond Clarke"),
        ("Thanks, Kevin Moss", "Kevin Moss"),
        ("Hi, this is Tom Briggs from the Leeds office.", "Tom Briggs"),
        ("Name: Harriet Blake\nEmail: h.blake@posteo.net", "Harriet Blake"),
        ("I, Karen O'Neill, request a copy of my data.", "Karen O'Neill"),
        ("From: Helen Marsh <helen.marsh@btinternet.com>\nSubject: my data", "Helen Marsh"),
        ("fix my date of birth - Sophie Turner-Hale", "Sophie Turner-Hale"),
        ("Dear [organisation],\nI want my data.\nYours faithfully\n[Your name]", None),
        ("I am writing to ask for my data. Regards", None),
        ("Send my data.\nRegards\nThe Data Protection Officer", None),  # a role, not a person
        ("Thanks,\nAcme Ltd Customer Services", None),
        ("Kind regards,\nDPO, Northwind Academy Trust", None),
        ("Many thanks\nKatarzyna Wiśniewska", "Katarzyna Wiśniewska"),
        ("Thank you.\nNguyễn Văn An", "Nguyễn Văn An"),
        ("Yours faithfully\n\nMr. Oluwaseun Adeyemi-Johnson", "Oluwaseun Adeyemi-Johnson"),
        ("Best,\nMarie-Claire Dubois\nSenior Analyst, Widgets Ltd", "Marie-Claire Dubois"),
        ("Hi, I'm Dr Aoife Byrne. Send my records.", "Aoife Byrne"),
        ("Please delete my account.\n\nSent from my iPhone", None),
        ('From: "Smith, Jane" <jane.smith@example.org>\n\nSend me my data.', "Jane Smith"),
        ("Regards,\nJAMES BROWN", "James Brown"),  # capitals under a sign-off
        ("Please stop.\nNO MORE CALLS", None),  # capitals alone are a shout
        ("My name is Laura Jane MacDonald and I was a customer.", "Laura Jane MacDonald"),
        ("Regards,\nJ.P. Morgan", "J.P. Morgan"),
        ("Yours,\nSeán Ó Súilleabháin", "Seán Ó Súilleabháin"),
        ("Thanks\nAmira x", "Amira"),
        ("I request my data under GDPR. Name: Lukas Berger, email: lb@gmx.de", "Lukas Berger"),
        ("They read my card number out loud to the queue. Appalling.", None),
    ],
)
def test_name(text: str, name: str | None) -> None:
    assert extract.name(text) == name


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Send it to dpo@acme.example, my email is jo.bloggs@gmail.com", "jo.bloggs@gmail.com"),
        ("To: privacy@shop.example\nFrom: a.n.other@outlook.com", "a.n.other@outlook.com"),
        ("Please write to dataprotection@council.gov.uk about this.", None),
        ("My email: [email address]", None),
        ("reach me at sam.carter+dsar@mail.co.uk.", "sam.carter+dsar@mail.co.uk"),
    ],
)
def test_email(text: str, email: str | None) -> None:
    assert extract.email(text) == email


@pytest.mark.parametrize(
    ("text", "received"),
    [
        ("Date: 14 March 2025\nTo the DPO", date(2025, 3, 14)),
        ("Sent: Tuesday, 7 January 2025 09:12", date(2025, 1, 7)),
        ("12 August 2025\n\nDear Sir", date(2025, 8, 12)),
        ("I sent it on 02/09/2025 and heard nothing.", date(2025, 9, 2)),
        ("Received: 2025-10-21", date(2025, 10, 21)),
        ("I have been a customer since 3 March 2019 and want my data.", None),
        ("Date: [date]", None),
    ],
)
def test_received(text: str, received: date | None) -> None:
    assert extract.received(text) == received

"""Digital signatures with the office token, as Nghị định 30/2020 Phụ lục I prescribes.

- ``token``: one long-lived logged-in PKCS#11 session per token, on one worker thread; PIN cache.
- ``signer``: :class:`~node.signing.signer.Pkcs11DocumentSigner` — personal signature (blue
  image between position title and full name), số/ngày fields, agency seal (red, real size, over
  the left third of the personal one), text-only stamp for attachments and copies; B-B or B-T.
- ``forms``, ``appearance``, ``locate``: the fields, the appearances, where things are on a page.
- ``verify``: per-signature verdicts against the trust anchors (and offline CRL files).
- ``timestamps``: the RFC 3161 client; ``service``: build the signer from the config.
- ``softhsm``, ``sample``, ``make_assets``: the demo token, demo drafts, fonts and images.
"""

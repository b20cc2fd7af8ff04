"""HTTPS without a proxy: `eventapp serve --https` with a local certificate authority (or a given certificate),
the pages that help phones trust it, and a plain-HTTP landing that explains what to do."""

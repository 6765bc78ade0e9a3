-- serve --dev's mail catcher keeps what it catches here, so that every replica's
-- /dev/mail shows the mail any of them caught and a restart loses none
-- (store/devmail.go). Only --dev writes to it; the newest 500 are kept.
CREATE TABLE dev_mail (
    id BIGSERIAL PRIMARY KEY,
    caught_at BIGINT NOT NULL,
    mail_from TEXT NOT NULL,
    mail_to TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    raw TEXT NOT NULL
);

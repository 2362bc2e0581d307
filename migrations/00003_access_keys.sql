-- +goose Up
CREATE TABLE access_keys (
    access_key_id     text        NOT NULL,
    account_id        text        NOT NULL,
    secret_ciphertext bytea       NOT NULL,
    status            text        NOT NULL DEFAULT 'Enabled',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT access_keys_pkey PRIMARY KEY (access_key_id),
    CONSTRAINT access_keys_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (account_id),
    CONSTRAINT access_keys_access_key_id_format CHECK (access_key_id ~ '^[A-Za-z0-9._-]{1,128}$'),
    CONSTRAINT access_keys_status_check CHECK (status IN ('Enabled', 'Disabled'))
);

-- "accesskey list --account" reads one account's keys in creation order.
CREATE INDEX access_keys_account_created_idx ON access_keys (account_id, created_at, access_key_id);

COMMENT ON TABLE access_keys IS 'Access keys that sign API requests. Each belongs to one account; requests signed with it act in that account.';
COMMENT ON COLUMN access_keys.access_key_id IS 'AccessKeyId, the public half of the key, as clients send it.';
COMMENT ON COLUMN access_keys.account_id IS 'Account (UID) whose keys and aliases requests signed with this key may read and write.';
COMMENT ON COLUMN access_keys.secret_ciphertext IS 'AccessKeySecret sealed with AES-256-GCM under the master key, bound to access_key_id. Never stored in readable form.';
COMMENT ON COLUMN access_keys.status IS 'Enabled, or Disabled: requests signed with a disabled key are rejected with InvalidAccessKeyId.Inactive.';
COMMENT ON COLUMN access_keys.created_at IS 'When the access key was created.';
COMMENT ON COLUMN access_keys.updated_at IS 'When the access key was last enabled or disabled.';

CREATE TABLE signature_nonces (
    access_key_id text        NOT NULL,
    nonce         text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    CONSTRAINT signature_nonces_pkey PRIMARY KEY (access_key_id, nonce),
    CONSTRAINT signature_nonces_nonce_length CHECK (octet_length(nonce) BETWEEN 1 AND 255)
);

-- The periodic purge deletes by expiry.
CREATE INDEX signature_nonces_expires_at_idx ON signature_nonces (expires_at);

COMMENT ON TABLE signature_nonces IS 'SignatureNonce values of verified requests, so that a replayed request is rejected by every replica. Rows are purged after they expire.';
COMMENT ON COLUMN signature_nonces.access_key_id IS 'Access key that signed the request. No foreign key, so that recording a nonce takes no lock on access_keys.';
COMMENT ON COLUMN signature_nonces.nonce IS 'SignatureNonce (V1) or x-acs-signature-nonce (V3) of the request.';
COMMENT ON COLUMN signature_nonces.expires_at IS 'Request timestamp plus the 15-minute window: after it, the request is rejected as expired anyway, so the nonce may be used again.';

CREATE TABLE master_key_check (
    singleton  boolean     NOT NULL DEFAULT true,
    ciphertext bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT master_key_check_pkey PRIMARY KEY (singleton),
    CONSTRAINT master_key_check_singleton CHECK (singleton)
);

COMMENT ON TABLE master_key_check IS 'One known value sealed under the master key, so that a server started with another master key fails at start instead of at the first signed request.';
COMMENT ON COLUMN master_key_check.singleton IS 'Always true: the table has at most one row.';
COMMENT ON COLUMN master_key_check.ciphertext IS 'A fixed text sealed with AES-256-GCM under the master key.';
COMMENT ON COLUMN master_key_check.created_at IS 'When the first server with a master key started on this database.';

-- +goose Down
DROP TABLE master_key_check;
DROP TABLE signature_nonces;
DROP TABLE access_keys;

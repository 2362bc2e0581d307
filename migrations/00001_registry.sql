-- +goose Up
CREATE TABLE accounts (
    account_id text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_pkey PRIMARY KEY (account_id),
    CONSTRAINT accounts_account_id_format CHECK (account_id ~ '^[0-9]{1,32}$')
);

COMMENT ON TABLE accounts IS 'Alibaba Cloud accounts (UIDs) that own keys. A row is created on the account''s first write.';
COMMENT ON COLUMN accounts.account_id IS 'Account ID (UID), a decimal string such as 1540355698848459.';
COMMENT ON COLUMN accounts.created_at IS 'When the account first wrote to this registry.';

CREATE TABLE keys (
    account_id          text        NOT NULL,
    region_id           text        NOT NULL,
    key_id              text        NOT NULL,
    key_state           text        NOT NULL,
    key_spec            text        NOT NULL,
    key_usage           text        NOT NULL,
    origin              text        NOT NULL,
    protection_level    text        NOT NULL,
    description         text        NOT NULL DEFAULT '',
    automatic_rotation  boolean     NOT NULL DEFAULT false,
    rotation_interval   interval,
    primary_key_version text        NOT NULL,
    creation_date       timestamptz NOT NULL,
    last_rotation_date  timestamptz NOT NULL,
    delete_date         timestamptz,
    arn                 text        NOT NULL
        GENERATED ALWAYS AS ('acs:kms:' || region_id || ':' || account_id || ':key/' || key_id) STORED,
    CONSTRAINT keys_pkey PRIMARY KEY (account_id, region_id, key_id),
    CONSTRAINT keys_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (account_id),
    CONSTRAINT keys_key_id_format CHECK (key_id ~ '^[A-Za-z0-9-]{1,128}$'),
    CONSTRAINT keys_region_id_format CHECK (region_id ~ '^[a-z0-9-]{1,64}$'),
    CONSTRAINT keys_key_state_check
        CHECK (key_state IN ('Enabled', 'Disabled', 'PendingDeletion', 'PendingImport')),
    CONSTRAINT keys_delete_date_check
        CHECK ((key_state = 'PendingDeletion') = (delete_date IS NOT NULL)),
    CONSTRAINT keys_rotation_interval_check
        CHECK (automatic_rotation = (rotation_interval IS NOT NULL)),
    CONSTRAINT keys_description_length CHECK (char_length(description) <= 8192)
);

-- ListKeys pages by creation time, then key ID.
CREATE INDEX keys_account_region_creation_idx ON keys (account_id, region_id, creation_date, key_id);

COMMENT ON TABLE keys IS 'Customer master key (CMK) metadata. No key material is stored.';
COMMENT ON COLUMN keys.account_id IS 'Owning account (UID).';
COMMENT ON COLUMN keys.region_id IS 'Region the key lives in, for example cn-hangzhou.';
COMMENT ON COLUMN keys.key_id IS 'Key ID as the API returns it: a lowercase UUID for keys created here.';
COMMENT ON COLUMN keys.key_state IS 'Enabled, Disabled, PendingDeletion or PendingImport.';
COMMENT ON COLUMN keys.key_spec IS 'KeySpec, for example Aliyun_AES_256 or RSA_2048.';
COMMENT ON COLUMN keys.key_usage IS 'KeyUsage: ENCRYPT/DECRYPT or SIGN/VERIFY.';
COMMENT ON COLUMN keys.origin IS 'Origin of the key material: Aliyun_KMS or EXTERNAL.';
COMMENT ON COLUMN keys.protection_level IS 'ProtectionLevel: SOFTWARE or HSM.';
COMMENT ON COLUMN keys.description IS 'Free-text description, up to 8192 characters.';
COMMENT ON COLUMN keys.automatic_rotation IS 'Whether automatic rotation is enabled (AutomaticRotation).';
COMMENT ON COLUMN keys.rotation_interval IS 'Rotation period while automatic rotation is enabled, otherwise NULL.';
COMMENT ON COLUMN keys.primary_key_version IS 'ID of the primary key version (PrimaryKeyVersion).';
COMMENT ON COLUMN keys.creation_date IS 'When the key was created (CreationDate).';
COMMENT ON COLUMN keys.last_rotation_date IS 'When the key was last rotated; the creation date until the first rotation.';
COMMENT ON COLUMN keys.delete_date IS 'When a key in PendingDeletion is deleted for good; NULL in every other state.';
COMMENT ON COLUMN keys.arn IS 'Key ARN acs:kms:{region}:{account}:key/{key_id}, derived from the row.';

CREATE TABLE aliases (
    account_id text             NOT NULL,
    region_id  text             NOT NULL,
    alias_name text COLLATE "C" NOT NULL,
    key_id     text             NOT NULL,
    created_at timestamptz      NOT NULL DEFAULT now(),
    updated_at timestamptz      NOT NULL DEFAULT now(),
    alias_arn  text             NOT NULL
        GENERATED ALWAYS AS ('acs:kms:' || region_id || ':' || account_id || ':' || alias_name) STORED,
    CONSTRAINT aliases_pkey PRIMARY KEY (account_id, region_id, alias_name),
    CONSTRAINT aliases_key_fkey FOREIGN KEY (account_id, region_id, key_id)
        REFERENCES keys (account_id, region_id, key_id) ON DELETE CASCADE,
    CONSTRAINT aliases_alias_name_format CHECK (alias_name ~ '^alias/[A-Za-z0-9_/-]{1,255}$'),
    CONSTRAINT aliases_alias_name_reserved CHECK (alias_name NOT LIKE 'alias/acs%')
);

-- Serves "aliases of this key in name order" as an index range scan, and the
-- page count of ListAliasesByKeyId as an index-only scan.
CREATE INDEX aliases_key_alias_name_idx ON aliases (account_id, region_id, key_id, alias_name);

COMMENT ON TABLE aliases IS 'Aliases (alias/...) bound to keys. An alias names exactly one key; a key has any number of aliases.';
COMMENT ON COLUMN aliases.account_id IS 'Owning account (UID); the same as the key''s.';
COMMENT ON COLUMN aliases.region_id IS 'Region of the alias; the same as the key''s.';
COMMENT ON COLUMN aliases.alias_name IS 'AliasName including the alias/ prefix. Case-sensitive and ordered by bytes (COLLATE "C").';
COMMENT ON COLUMN aliases.key_id IS 'Key the alias is bound to.';
COMMENT ON COLUMN aliases.created_at IS 'When the alias was created.';
COMMENT ON COLUMN aliases.updated_at IS 'When the alias was last bound to a key.';
COMMENT ON COLUMN aliases.alias_arn IS 'Alias ARN acs:kms:{region}:{account}:{alias_name}, derived from the row.';

-- +goose Down
DROP TABLE aliases;
DROP TABLE keys;
DROP TABLE accounts;

-- +goose Up
CREATE TABLE key_tags (
    account_id text NOT NULL,
    region_id  text NOT NULL,
    key_id     text NOT NULL,
    tag_key    text NOT NULL,
    tag_value  text NOT NULL,
    CONSTRAINT key_tags_pkey PRIMARY KEY (account_id, region_id, key_id, tag_key),
    CONSTRAINT key_tags_key_fkey FOREIGN KEY (account_id, region_id, key_id)
        REFERENCES keys (account_id, region_id, key_id) ON DELETE CASCADE,
    CONSTRAINT key_tags_tag_key_length CHECK (char_length(tag_key) BETWEEN 1 AND 128),
    CONSTRAINT key_tags_tag_value_length CHECK (char_length(tag_value) <= 256)
);

COMMENT ON TABLE key_tags IS 'Tags given to keys at creation (CreateKey Tags).';
COMMENT ON COLUMN key_tags.account_id IS 'Owning account (UID); the same as the key''s.';
COMMENT ON COLUMN key_tags.region_id IS 'Region of the key.';
COMMENT ON COLUMN key_tags.key_id IS 'Tagged key.';
COMMENT ON COLUMN key_tags.tag_key IS 'TagKey, 1 to 128 characters, unique per key.';
COMMENT ON COLUMN key_tags.tag_value IS 'TagValue, up to 256 characters.';

-- The deletion worker finds keys whose DeleteDate has passed.
CREATE INDEX keys_delete_date_idx ON keys (delete_date) WHERE delete_date IS NOT NULL;

CREATE TABLE audit_events (
    event_id      bigint      GENERATED ALWAYS AS IDENTITY,
    occurred_at   timestamptz NOT NULL,
    request_id    text        NOT NULL,
    account_id    text        NOT NULL,
    region_id     text        NOT NULL,
    access_key_id text,
    action        text        NOT NULL,
    key_id        text,
    alias_name    text COLLATE "C",
    old_value     jsonb,
    new_value     jsonb,
    CONSTRAINT audit_events_pkey PRIMARY KEY (event_id),
    CONSTRAINT audit_events_subject_check CHECK (key_id IS NOT NULL OR alias_name IS NOT NULL)
);

-- "History of this alias" and "history of this key", newest first.
CREATE INDEX audit_events_alias_idx ON audit_events (account_id, region_id, alias_name, occurred_at)
    WHERE alias_name IS NOT NULL;
CREATE INDEX audit_events_key_idx ON audit_events (account_id, region_id, key_id, occurred_at)
    WHERE key_id IS NOT NULL;

COMMENT ON TABLE audit_events IS 'One row per successful change to a key or an alias, written in the transaction of the change. Rows are never updated; they outlive the keys they name.';
COMMENT ON COLUMN audit_events.event_id IS 'Sequence number of the event.';
COMMENT ON COLUMN audit_events.occurred_at IS 'When the change was made (server clock).';
COMMENT ON COLUMN audit_events.request_id IS 'RequestId of the API call, as returned to the client; "deletion-worker" for deletions after DeleteDate.';
COMMENT ON COLUMN audit_events.account_id IS 'Account (UID) whose key or alias changed.';
COMMENT ON COLUMN audit_events.region_id IS 'Region of the key or alias.';
COMMENT ON COLUMN audit_events.access_key_id IS 'AccessKeyId that signed the request; NULL when requests are not authenticated or for the deletion worker.';
COMMENT ON COLUMN audit_events.action IS 'API action, such as CreateAlias; DeleteKey for a deletion after DeleteDate.';
COMMENT ON COLUMN audit_events.key_id IS 'Key that the change concerns; for alias changes the key the alias is bound to afterwards (before, for DeleteAlias).';
COMMENT ON COLUMN audit_events.alias_name IS 'Alias that the change concerns; NULL for key changes.';
COMMENT ON COLUMN audit_events.old_value IS 'Changed fields before the change, as a JSON object; NULL for creations.';
COMMENT ON COLUMN audit_events.new_value IS 'Changed fields after the change, as a JSON object; NULL for deletions.';

CREATE VIEW alias_overview AS
SELECT a.account_id,
       a.region_id,
       a.alias_name,
       a.alias_arn,
       a.key_id,
       k.arn AS key_arn,
       k.key_state,
       k.delete_date,
       a.created_at,
       a.updated_at
FROM aliases AS a
JOIN keys AS k USING (account_id, region_id, key_id);

COMMENT ON VIEW alias_overview IS 'Every alias with the ARN and state of the key it is bound to.';
COMMENT ON COLUMN alias_overview.account_id IS 'Owning account (UID).';
COMMENT ON COLUMN alias_overview.region_id IS 'Region.';
COMMENT ON COLUMN alias_overview.alias_name IS 'AliasName, alias/...';
COMMENT ON COLUMN alias_overview.alias_arn IS 'Alias ARN as the API returns it.';
COMMENT ON COLUMN alias_overview.key_id IS 'Key the alias is bound to.';
COMMENT ON COLUMN alias_overview.key_arn IS 'Key ARN as the API returns it.';
COMMENT ON COLUMN alias_overview.key_state IS 'State of the key.';
COMMENT ON COLUMN alias_overview.delete_date IS 'When the key is deleted for good, while it is PendingDeletion.';
COMMENT ON COLUMN alias_overview.created_at IS 'When the alias was created.';
COMMENT ON COLUMN alias_overview.updated_at IS 'When the alias was last bound to a key.';

CREATE VIEW key_overview AS
SELECT k.account_id,
       k.region_id,
       k.key_id,
       k.arn,
       k.key_state,
       k.key_spec,
       k.key_usage,
       k.description,
       k.creation_date,
       k.delete_date,
       (SELECT count(*) FROM aliases AS a
        WHERE a.account_id = k.account_id AND a.region_id = k.region_id AND a.key_id = k.key_id) AS alias_count,
       (SELECT string_agg(a.alias_name, ', ' ORDER BY a.alias_name) FROM aliases AS a
        WHERE a.account_id = k.account_id AND a.region_id = k.region_id AND a.key_id = k.key_id) AS alias_names
FROM keys AS k;

COMMENT ON VIEW key_overview IS 'Every key with its state and the aliases bound to it.';
COMMENT ON COLUMN key_overview.account_id IS 'Owning account (UID).';
COMMENT ON COLUMN key_overview.region_id IS 'Region.';
COMMENT ON COLUMN key_overview.key_id IS 'Key ID.';
COMMENT ON COLUMN key_overview.arn IS 'Key ARN as the API returns it.';
COMMENT ON COLUMN key_overview.key_state IS 'Enabled, Disabled, PendingDeletion or PendingImport.';
COMMENT ON COLUMN key_overview.key_spec IS 'KeySpec.';
COMMENT ON COLUMN key_overview.key_usage IS 'KeyUsage.';
COMMENT ON COLUMN key_overview.description IS 'Description.';
COMMENT ON COLUMN key_overview.creation_date IS 'When the key was created.';
COMMENT ON COLUMN key_overview.delete_date IS 'When the key is deleted for good, while it is PendingDeletion.';
COMMENT ON COLUMN key_overview.alias_count IS 'Number of aliases bound to the key.';
COMMENT ON COLUMN key_overview.alias_names IS 'Names of those aliases in byte order, comma-separated.';

-- +goose Down
DROP VIEW key_overview;
DROP VIEW alias_overview;
DROP TABLE audit_events;
DROP INDEX keys_delete_date_idx;
DROP TABLE key_tags;

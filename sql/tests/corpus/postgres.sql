-- Corpus of valid PostgreSQL migration SQL (PostgreSQL 15 syntax).
-- Runs top to bottom on a fresh, empty database, one statement at a time in autocommit.
-- Shaped after years of a real project: a pg_dump baseline, then hand-written migrations
-- from several generations of tooling (Rails, sqlx, diesel, refinery, hand-rolled scripts).

-- migration: 20160412093000_baseline_structure
--
-- PostgreSQL database dump
--

-- Dumped from database version 9.5.2
-- Dumped by pg_dump version 9.5.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: public; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA IF NOT EXISTS public;

COMMENT ON SCHEMA public IS 'standard public schema';

--
-- Name: plpgsql; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog;

COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;

COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';

CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: set_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    subdomain character varying(63) NOT NULL,
    plan character varying DEFAULT 'free'::character varying NOT NULL,
    settings public.hstore DEFAULT ''::public.hstore NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

ALTER TABLE public.accounts OWNER TO postgres;

CREATE SEQUENCE public.accounts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.accounts_id_seq OWNER TO postgres;

ALTER SEQUENCE public.accounts_id_seq OWNED BY public.accounts.id;

CREATE TABLE public.users (
    id integer NOT NULL,
    account_id integer NOT NULL,
    email public.citext NOT NULL,
    encrypted_password character varying(255) DEFAULT ''::character varying NOT NULL,
    reset_password_token character varying(255),
    reset_password_sent_at timestamp without time zone,
    sign_in_count integer DEFAULT 0 NOT NULL,
    current_sign_in_ip inet,
    role character varying(32) DEFAULT 'member'::character varying NOT NULL,
    admin boolean DEFAULT false NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

CREATE SEQUENCE public.users_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;

CREATE TABLE public.projects (
    id integer NOT NULL,
    account_id integer NOT NULL,
    name character varying(255) NOT NULL,
    description text,
    archived boolean DEFAULT false,
    position integer,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

CREATE SEQUENCE public.projects_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.projects_id_seq OWNED BY public.projects.id;

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);

CREATE TABLE public.ar_internal_metadata (
    key character varying NOT NULL,
    value character varying,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

ALTER TABLE ONLY public.accounts ALTER COLUMN id SET DEFAULT nextval('public.accounts_id_seq'::regclass);

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

ALTER TABLE ONLY public.projects ALTER COLUMN id SET DEFAULT nextval('public.projects_id_seq'::regclass);

--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.ar_internal_metadata
    ADD CONSTRAINT ar_internal_metadata_pkey PRIMARY KEY (key);

CREATE UNIQUE INDEX index_accounts_on_subdomain ON public.accounts USING btree (subdomain);

CREATE UNIQUE INDEX index_users_on_email ON public.users USING btree (email);

CREATE UNIQUE INDEX index_users_on_reset_password_token ON public.users USING btree (reset_password_token);

CREATE INDEX index_users_on_account_id ON public.users USING btree (account_id);

CREATE INDEX index_projects_on_account_id_and_position ON public.projects USING btree (account_id, "position");

CREATE TRIGGER accounts_set_updated_at BEFORE UPDATE ON public.accounts FOR EACH ROW EXECUTE PROCEDURE public.set_updated_at();

ALTER TABLE ONLY public.users
    ADD CONSTRAINT fk_rails_61ac11da2b FOREIGN KEY (account_id) REFERENCES public.accounts(id);

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT fk_rails_b4884d7210 FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;

SELECT pg_catalog.setval('public.accounts_id_seq', 1, false);

SELECT pg_catalog.setval('public.users_id_seq', 1, false);

INSERT INTO public.schema_migrations (version) VALUES
('20160301120000'),
('20160315081500'),
('20160412093000');

INSERT INTO public.ar_internal_metadata (key, value, created_at, updated_at) VALUES ('environment', 'production', '2016-04-12 09:30:00.123456', '2016-04-12 09:30:00.123456');

--
-- PostgreSQL database dump complete
--

-- The dump emptied search_path for its own session; put it back for what follows.
SET search_path TO public;
RESET check_function_bodies;

-- migration: 20160502101500_create_issues
CREATE TABLE issues (
    id serial PRIMARY KEY,
    project_id integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    author_id integer REFERENCES users ON DELETE SET NULL,
    title varchar(255) NOT NULL,
    body text,
    state varchar(20) NOT NULL DEFAULT 'open',
    priority smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    closed_at timestamp,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now()
);

CREATE INDEX index_issues_on_project_id ON issues (project_id);
CREATE INDEX index_issues_on_author_id ON issues (author_id);

CREATE TRIGGER issues_set_updated_at
    BEFORE UPDATE ON issues
    FOR EACH ROW
    EXECUTE PROCEDURE set_updated_at();

-- migration: 20160519143000_create_comments
CREATE TABLE comments (
    id bigserial PRIMARY KEY,
    issue_id integer NOT NULL,
    user_id integer,
    body text NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT comments_issue_fk FOREIGN KEY (issue_id) REFERENCES issues (id) ON DELETE CASCADE,
    CONSTRAINT comments_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE INDEX comments_issue_id_created_at_idx ON comments (issue_id, created_at DESC);

COMMENT ON TABLE comments IS 'Discussion on an issue. Soft deletion was never added.';
COMMENT ON COLUMN comments.body IS 'Markdown source, rendered on read';

-- migration: 20160601090000_add_labels
CREATE TABLE labels (
    id serial,
    project_id integer NOT NULL,
    name varchar(50) NOT NULL,
    color char(7) NOT NULL DEFAULT '#cccccc',
    CONSTRAINT labels_pkey PRIMARY KEY (id),
    CONSTRAINT labels_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT labels_color_check CHECK (color ~* '^#[0-9a-f]{6}$')
);

CREATE TABLE issue_labels (
    issue_id integer NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id integer NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);

CREATE UNIQUE INDEX labels_project_id_lower_name_key ON labels (project_id, lower(name));

-- migration: 20160610100000_seed_demo_data
INSERT INTO accounts (name, subdomain, created_at, updated_at) VALUES
    ('Acme Corp', 'acme', now(), now()),
    ('Initech', 'initech', '2016-06-10 10:00:00', '2016-06-10 10:00:00');

INSERT INTO users (account_id, email, encrypted_password, role, admin, created_at, updated_at) VALUES
    (1, 'ada@acme.test', '$2a$10$7EqJtq98hPqEX7fNZaFWoO', 'owner', true, now(), now()),
    (2, 'Bill.Lumbergh@initech.test', '', 'member', false, '2017-01-01', '2017-01-01');

INSERT INTO projects (account_id, name, description, position, created_at, updated_at) VALUES
    (1, 'Website Redesign', 'Q3 relaunch', 1, now(), now()),
    (1, 'Mobile App', NULL, 2, now(), now()),
    (2, 'TPS Reports', 'Cover sheets!', 1, now(), now());

INSERT INTO issues (project_id, author_id, title, body, state, priority, closed_at, created_at) VALUES
    (1, 1, 'Homepage is slow', 'LCP is 6s on 3G', 'open', 2, NULL, '2016-06-01'),
    (1, 1, 'Old logo still on invoices', NULL, 'closed', 4, '2016-06-15', '2016-06-02'),
    (3, 2, 'Cover sheet missing', 'Did you get the memo?', 'open', 1, NULL, now());

INSERT INTO comments (issue_id, user_id, body) VALUES
    (1, 1, 'Profiling shows the hero image; 2.3 MB.'),
    (3, 2, 'Yeah... I''m going to need you to come in on Saturday.');

INSERT INTO labels (project_id, name, color) VALUES (1, 'bug', '#d73a4a'), (1, 'Performance', '#FBCA04');

INSERT INTO issue_labels (issue_id, label_id) SELECT 1, id FROM labels WHERE project_id = 1;

-- migration: 20160720110000_seed_plans
CREATE TABLE plans (
    code varchar(32) PRIMARY KEY,
    name text NOT NULL,
    monthly_price_cents integer NOT NULL,
    max_projects integer
);

INSERT INTO plans (code, name, monthly_price_cents, max_projects) VALUES
    ('free', 'Free', 0, 3),
    ('team', 'Team', 2900, 50),
    ('business', 'Business', 9900, NULL);

ALTER TABLE accounts
    ADD CONSTRAINT accounts_plan_fkey FOREIGN KEY (plan) REFERENCES plans (code) ON UPDATE CASCADE;

-- migration: 20160904120000_users_add_name_and_timezone
ALTER TABLE users ADD COLUMN first_name varchar(100);
ALTER TABLE users ADD COLUMN last_name varchar(100);
ALTER TABLE users ADD COLUMN time_zone varchar(64) DEFAULT 'UTC' NOT NULL;

-- migration: 20161111160000_issues_number_per_project
ALTER TABLE issues ADD COLUMN number integer;

UPDATE issues SET number = sub.rn
FROM (
    SELECT id, row_number() OVER (PARTITION BY project_id ORDER BY created_at, id) AS rn
    FROM issues
) AS sub
WHERE issues.id = sub.id;

ALTER TABLE issues ALTER COLUMN number SET NOT NULL;

CREATE UNIQUE INDEX index_issues_on_project_id_and_number ON issues USING btree (project_id, number);

-- migration: 20170203083000_watchers
CREATE TABLE watchers (
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issue_id integer NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    created_at timestamp without time zone DEFAULT timezone('utc'::text, now()) NOT NULL,
    CONSTRAINT watchers_pkey PRIMARY KEY (user_id, issue_id)
);

CREATE INDEX ON watchers (issue_id);

INSERT INTO watchers (user_id, issue_id) VALUES (1, 1), (2, 3), (1, 3);

-- migration: 20170315100000_projects_archived_not_null
UPDATE projects SET archived = false WHERE archived IS NULL;
ALTER TABLE projects ALTER COLUMN archived SET NOT NULL;
ALTER TABLE projects ALTER COLUMN archived SET DEFAULT false;

-- migration: 20170428141500_issue_state_enum
CREATE TYPE issue_state AS ENUM ('open', 'in_progress', 'closed');

ALTER TABLE issues ALTER COLUMN state DROP DEFAULT;
ALTER TABLE issues
    ALTER COLUMN state TYPE issue_state USING state::issue_state;
ALTER TABLE issues ALTER COLUMN state SET DEFAULT 'open'::issue_state;

COMMENT ON TYPE issue_state IS 'Workflow state of an issue';

-- migration: 20170610092000_trigram_search
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

CREATE INDEX CONCURRENTLY IF NOT EXISTS index_issues_on_title_trgm
    ON issues USING gin (title gin_trgm_ops);

CREATE INDEX CONCURRENTLY index_users_on_email_trgm ON users USING gist (email gist_trgm_ops);

-- migration: 20170822113000_attachments
CREATE TABLE attachments (
    id bigserial PRIMARY KEY,
    attachable_type varchar NOT NULL,
    attachable_id bigint NOT NULL,
    filename text NOT NULL,
    content_type text,
    byte_size bigint NOT NULL,
    checksum text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp NOT NULL
);

CREATE INDEX index_attachments_on_attachable ON attachments (attachable_type, attachable_id);

INSERT INTO attachments (attachable_type, attachable_id, filename, content_type, byte_size, checksum, metadata, created_at) VALUES
    ('Issue', 1, 'lighthouse.json', 'application/json', 48213, 'q1w2e3', '{"width": 1200}', now()),
    ('Comment', 1, 'hero.png', NULL, 2411724, 'a9s8d7', '{}', now());

-- migration: 20171005170000_rename_position
ALTER TABLE projects RENAME COLUMN position TO sort_order;
ALTER INDEX IF EXISTS index_projects_on_account_id_and_position RENAME TO index_projects_on_account_id_and_sort_order;

-- migration: 20180116094500_audit_log
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    record_id bigint,
    action char(1) NOT NULL CHECK (action IN ('I', 'U', 'D')),
    old_row jsonb,
    new_row jsonb,
    changed_by text DEFAULT current_user NOT NULL,
    changed_at timestamptz DEFAULT now() NOT NULL
);

CREATE OR REPLACE FUNCTION audit_trigger() RETURNS trigger
LANGUAGE plpgsql
AS $function$
DECLARE
    v_old jsonb;
    v_new jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_old := to_jsonb(OLD);
    ELSIF TG_OP = 'UPDATE' THEN
        v_old := to_jsonb(OLD);
        v_new := to_jsonb(NEW);
        IF v_old = v_new THEN
            RETURN NEW; -- nothing changed; skip the row
        END IF;
    ELSE
        v_new := to_jsonb(NEW);
    END IF;

    INSERT INTO audit_log (table_name, record_id, action, old_row, new_row)
    VALUES (TG_TABLE_NAME, coalesce((v_new->>'id')::bigint, (v_old->>'id')::bigint),
            left(TG_OP, 1), v_old, v_new);

    RETURN coalesce(NEW, OLD);
END;
$function$;

CREATE TRIGGER users_audit
    AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();

CREATE TRIGGER projects_audit
    AFTER INSERT OR UPDATE OR DELETE ON projects
    FOR EACH ROW EXECUTE PROCEDURE audit_trigger();

COMMENT ON FUNCTION audit_trigger() IS 'Generic row audit; attach with AFTER ... FOR EACH ROW';

-- migration: 20180302120000_comments_soft_delete
ALTER TABLE comments ADD COLUMN deleted_at timestamp;
CREATE INDEX comments_live_idx ON comments (issue_id) WHERE deleted_at IS NULL;

-- migration: 20180419080000_issues_search_vector
ALTER TABLE issues ADD COLUMN search_vector tsvector;

CREATE FUNCTION issues_search_vector_update() RETURNS trigger AS $$
begin
  new.search_vector :=
    setweight(to_tsvector('pg_catalog.english', coalesce(new.title, '')), 'A') ||
    setweight(to_tsvector('pg_catalog.english', coalesce(new.body, '')), 'B');
  return new;
end
$$ LANGUAGE plpgsql;

CREATE TRIGGER issues_search_vector_trigger
    BEFORE INSERT OR UPDATE OF title, body ON issues
    FOR EACH ROW EXECUTE PROCEDURE issues_search_vector_update();

UPDATE issues SET search_vector =
    setweight(to_tsvector('pg_catalog.english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('pg_catalog.english', coalesce(body, '')), 'B');

CREATE INDEX issues_search_vector_idx ON issues USING gin (search_vector);

-- migration: 20180530150000_rename_trigger
ALTER TRIGGER issues_search_vector_trigger ON issues RENAME TO issues_tsv_update;

-- migration: 20180702091500_uuid_public_ids
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;

ALTER TABLE projects ADD COLUMN public_id uuid DEFAULT uuid_generate_v4() NOT NULL;
ALTER TABLE issues ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();

CREATE UNIQUE INDEX CONCURRENTLY projects_public_id_key ON projects (public_id);
ALTER TABLE projects ADD CONSTRAINT projects_public_id_unique UNIQUE USING INDEX projects_public_id_key;

-- migration: 20180815103000_api_tokens
CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_digest bytea NOT NULL,
    scopes text[] NOT NULL DEFAULT '{}'::text[],
    last_used_at timestamptz,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX api_tokens_token_digest_key ON api_tokens (token_digest);
CREATE INDEX api_tokens_scopes_idx ON api_tokens USING gin (scopes);

INSERT INTO api_tokens (user_id, token_digest, scopes)
SELECT u.id, digest(gen_random_bytes(32), 'sha256'), ARRAY['read']
FROM users u
WHERE u.admin;

-- migration: 20181002120000_accounts_timestamptz
ALTER TABLE accounts
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';

-- migration: 20181120084500_dedupe_watchers
WITH ranked AS (
    SELECT ctid, row_number() OVER (PARTITION BY user_id, issue_id ORDER BY created_at) AS rn
    FROM watchers
)
DELETE FROM watchers w
USING ranked r
WHERE w.ctid = r.ctid AND r.rn > 1;

-- migration: 20190114100000_notification_settings
CREATE TYPE notification_channel AS ENUM ('email', 'web');

CREATE TABLE notification_settings (
    user_id integer NOT NULL REFERENCES users ON DELETE CASCADE,
    channel notification_channel NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    digest_hour smallint CHECK (digest_hour >= 0 AND digest_hour < 24),
    PRIMARY KEY (user_id, channel)
);

INSERT INTO notification_settings (user_id, channel)
SELECT id, 'email'::notification_channel FROM users
ON CONFLICT DO NOTHING;

ALTER TYPE notification_channel ADD VALUE 'slack';
ALTER TYPE notification_channel ADD VALUE IF NOT EXISTS 'sms' BEFORE 'web';
ALTER TYPE notification_channel ADD VALUE IF NOT EXISTS 'push' AFTER 'web';

-- migration: 20190301110000_domains
CREATE DOMAIN email_address AS citext
    CHECK (VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$');

CREATE DOMAIN positive_money AS numeric(12, 2) NOT NULL DEFAULT 0 CHECK (VALUE >= 0);

COMMENT ON DOMAIN email_address IS 'RFC-ish; we only check there is one @ and a dot after it';

CREATE TABLE invitations (
    id serial PRIMARY KEY,
    account_id integer NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email email_address NOT NULL,
    token text NOT NULL DEFAULT encode(gen_random_bytes(24), 'hex'),
    invited_by integer REFERENCES users (id),
    accepted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, email)
);

-- migration: 20190412093000_billing
CREATE SEQUENCE IF NOT EXISTS invoice_number_seq START WITH 1000 INCREMENT BY 1;

CREATE TABLE invoices (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id integer NOT NULL REFERENCES accounts (id),
    number bigint NOT NULL DEFAULT nextval('invoice_number_seq'),
    currency char(3) NOT NULL DEFAULT 'USD',
    subtotal positive_money,
    tax positive_money,
    total numeric(12, 2) GENERATED ALWAYS AS (subtotal + tax) STORED,
    issued_on date NOT NULL DEFAULT CURRENT_DATE,
    due_on date,
    paid_at timestamptz,
    CONSTRAINT invoices_number_key UNIQUE (number),
    CONSTRAINT invoices_due_after_issue CHECK (due_on IS NULL OR due_on >= issued_on)
);

ALTER SEQUENCE invoice_number_seq OWNED BY invoices.number;

CREATE TABLE invoice_lines (
    id bigint GENERATED ALWAYS AS IDENTITY,
    invoice_id bigint NOT NULL,
    description text NOT NULL,
    quantity integer NOT NULL DEFAULT 1,
    unit_price_cents integer NOT NULL,
    amount_cents integer GENERATED ALWAYS AS (quantity * unit_price_cents) STORED,
    PRIMARY KEY (id)
);

ALTER TABLE invoice_lines
    ADD CONSTRAINT invoice_lines_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices (id) ON DELETE CASCADE;

COMMENT ON CONSTRAINT invoices_due_after_issue ON invoices IS 'Net terms are never negative';

INSERT INTO invoices (account_id, subtotal, tax, due_on) VALUES (1, 100.00, 19.00, CURRENT_DATE + 14);

INSERT INTO invoice_lines (invoice_id, description, quantity, unit_price_cents)
SELECT id, 'Team plan, monthly', 1, 10000 FROM invoices;

-- migration: 20190520120000_invoices_fk_deferrable
ALTER TABLE invoice_lines ALTER CONSTRAINT invoice_lines_invoice_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- migration: 20190702080000_idempotent_columns
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'users' AND column_name = 'locale'
    ) THEN
        ALTER TABLE users ADD COLUMN locale varchar(10) NOT NULL DEFAULT 'en';
    END IF;
END
$$;

DO $$
BEGIN
    CREATE TYPE project_visibility AS ENUM ('private', 'internal', 'public');
EXCEPTION
    WHEN duplicate_object THEN NULL;
END $$;

ALTER TABLE projects ADD COLUMN IF NOT EXISTS visibility project_visibility NOT NULL DEFAULT 'private';

-- migration: 20190815140000_users_full_name
ALTER TABLE users ADD COLUMN full_name text;

UPDATE users SET full_name = trim(both ' ' from coalesce(first_name, '') || ' ' || coalesce(last_name, ''));

ALTER TABLE users DROP COLUMN first_name, DROP COLUMN last_name;

-- migration: 20191001100000_sql_functions
CREATE OR REPLACE FUNCTION current_account_id() RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = public, pg_temp
    AS $$
    SELECT nullif(current_setting('app.current_account_id', true), '')::integer
$$;

CREATE OR REPLACE FUNCTION slugify(value text)
RETURNS text
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT trim(both '-' from regexp_replace(lower(value), '[^a-z0-9]+', '-', 'g'));
$$;

CREATE OR REPLACE FUNCTION issue_count(p_project_id int4) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public'
    AS 'SELECT count(*) FROM issues WHERE project_id = p_project_id';

COMMENT ON FUNCTION issue_count(int4) IS 'Used by the dashboard; SECURITY DEFINER so readonly roles can call it';

COMMENT ON FUNCTION slugify(text) IS NULL;

-- migration: 20191104110000_project_slugs
ALTER TABLE projects ADD COLUMN slug text;
UPDATE projects SET slug = slugify(name);
ALTER TABLE projects ALTER COLUMN slug SET NOT NULL;
CREATE UNIQUE INDEX projects_account_id_slug_key ON projects (account_id, slug);

-- migration: 20200108090000_events_partitioned
CREATE TABLE events (
    id bigserial,
    account_id integer NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE TABLE events_2019 PARTITION OF events
    FOR VALUES FROM ('2019-01-01 00:00:00+00') TO ('2020-01-01 00:00:00+00');

CREATE TABLE events_2020 PARTITION OF events
    FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2021-01-01 00:00:00+00');

CREATE TABLE events_default PARTITION OF events DEFAULT;

CREATE INDEX events_account_id_occurred_at_idx ON events (account_id, occurred_at DESC);

CREATE INDEX events_payload_idx ON events USING gin (payload jsonb_path_ops);

-- migration: 20200302120000_events_2021_attach
CREATE TABLE events_2021 (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);

ALTER TABLE events_2021 ADD CONSTRAINT events_2021_range
    CHECK (occurred_at >= '2021-01-01 00:00:00+00' AND occurred_at < '2022-01-01 00:00:00+00');

ALTER TABLE events ATTACH PARTITION events_2021
    FOR VALUES FROM ('2021-01-01 00:00:00+00') TO ('2022-01-01 00:00:00+00');

ALTER TABLE events_2021 DROP CONSTRAINT events_2021_range;

INSERT INTO events (account_id, kind, payload, occurred_at) VALUES
    (1, 'api.call', '{}', '2020-03-01 10:00:00+00'),
    (1, 'api.call', '{"path": "/v1/issues"}', '2021-05-01 10:00:00+00'),
    (2, 'login', '{"ip": "10.0.0.1"}', '2019-07-01 08:00:00+00');

-- migration: 20200415100000_region_partitions
CREATE TABLE usage_records (
    account_id integer NOT NULL,
    region text NOT NULL,
    day date NOT NULL,
    requests bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, region, day)
) PARTITION BY LIST (region);

CREATE TABLE usage_records_eu PARTITION OF usage_records FOR VALUES IN ('eu-west-1', 'eu-central-1');
CREATE TABLE usage_records_us PARTITION OF usage_records FOR VALUES IN ('us-east-1', 'us-west-2')
    PARTITION BY RANGE (day);
CREATE TABLE usage_records_us_2020 PARTITION OF usage_records_us FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE usage_records_other PARTITION OF usage_records DEFAULT;

-- migration: 20200520090000_reservations
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE meeting_rooms (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id integer NOT NULL REFERENCES accounts ON DELETE CASCADE,
    name text NOT NULL
);

CREATE TABLE reservations (
    id integer GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 1) PRIMARY KEY,
    room_id integer NOT NULL REFERENCES meeting_rooms (id) ON DELETE CASCADE,
    reserved_by integer REFERENCES users (id),
    during tstzrange NOT NULL,
    canceled boolean NOT NULL DEFAULT false,
    CONSTRAINT reservations_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&) WHERE (NOT canceled)
);

INSERT INTO meeting_rooms (account_id, name) VALUES (1, 'Lovelace'), (1, 'Hopper');

INSERT INTO reservations (room_id, reserved_by, during) VALUES
    (1, 1, '[2020-06-01 09:00+00, 2020-06-01 10:00+00)'),
    (1, 1, '[2020-06-01 10:00+00, 2020-06-01 11:00+00)'),
    (2, NULL, tstzrange('2020-06-01 09:30+00', '2020-06-01 10:30+00', '[)'));

ALTER TABLE reservations ADD COLUMN starts_at timestamptz GENERATED ALWAYS AS (lower(during)) STORED;

-- migration: 20200611083000_materialized_stats
CREATE MATERIALIZED VIEW project_stats AS
SELECT p.id AS project_id,
       p.account_id,
       count(i.id) AS issues_total,
       count(i.id) FILTER (WHERE i.state = 'open') AS issues_open,
       max(i.updated_at) AS last_activity_at
FROM projects p
LEFT JOIN issues i ON i.project_id = p.id
GROUP BY p.id, p.account_id
WITH DATA;

CREATE UNIQUE INDEX project_stats_project_id_idx ON project_stats (project_id);

REFRESH MATERIALIZED VIEW CONCURRENTLY project_stats;

COMMENT ON MATERIALIZED VIEW project_stats IS 'Refreshed every 10 minutes by the worker';

CREATE MATERIALIZED VIEW IF NOT EXISTS account_activity AS
    SELECT account_id, date_trunc('day', occurred_at) AS day, count(*) AS events
    FROM events
    GROUP BY 1, 2
WITH NO DATA;

REFRESH MATERIALIZED VIEW account_activity;

-- migration: 20200706120000_views
CREATE VIEW open_issues AS
    SELECT i.id, i.project_id, i.number, i.title, i.priority, i.created_at
    FROM issues i
    WHERE i.state <> 'closed';

CREATE OR REPLACE VIEW open_issues AS
    SELECT i.id, i.project_id, i.number, i.title, i.priority, i.created_at, p.account_id
    FROM issues i
    JOIN projects p ON p.id = i.project_id
    WHERE i.state <> 'closed';

CREATE VIEW active_users WITH (security_barrier) AS
    SELECT id, account_id, email, full_name FROM users WHERE sign_in_count > 0;

CREATE VIEW high_priority_issues AS
    SELECT * FROM issues WHERE priority <= 2
    WITH LOCAL CHECK OPTION;

COMMENT ON VIEW open_issues IS 'Everything not closed, with the owning account';

-- migration: 20200812100000_row_level_security
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;

CREATE POLICY projects_tenant_isolation ON projects
    USING (account_id = current_account_id());

CREATE POLICY projects_tenant_insert ON projects
    AS PERMISSIVE
    FOR INSERT
    TO PUBLIC
    WITH CHECK (account_id = current_account_id());

ALTER TABLE issues ENABLE ROW LEVEL SECURITY;

CREATE POLICY issues_by_project ON issues FOR ALL
    USING (EXISTS (SELECT 1 FROM projects p WHERE p.id = issues.project_id));

COMMENT ON POLICY projects_tenant_isolation ON projects IS 'app.current_account_id is set per request';

-- migration: 20200901090000_roles
CREATE ROLE corpus_app_readonly NOLOGIN;
CREATE ROLE corpus_app_writer WITH NOLOGIN NOSUPERUSER INHERIT NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE ROLE corpus_reporting NOLOGIN IN ROLE corpus_app_readonly;

GRANT USAGE ON SCHEMA public TO corpus_app_readonly, corpus_app_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO corpus_app_readonly;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO corpus_app_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO corpus_app_writer;
GRANT corpus_app_readonly TO corpus_app_writer;

ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO corpus_app_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO corpus_app_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO corpus_app_writer;

REVOKE ALL ON FUNCTION issue_count(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION issue_count(integer) TO corpus_app_readonly;

REVOKE UPDATE (admin) ON users FROM corpus_app_writer;
GRANT SELECT (id, email, full_name) ON users TO corpus_reporting;

ALTER ROLE corpus_reporting SET statement_timeout = '30s';

CREATE POLICY projects_reporting_read ON projects FOR SELECT TO corpus_reporting USING (true);

-- migration: 20201015110000_archive_schema
CREATE SCHEMA IF NOT EXISTS archive;

COMMENT ON SCHEMA archive IS 'Cold data moved out of public';

CREATE TABLE archive.issues (LIKE issues INCLUDING ALL);

ALTER TABLE audit_log SET SCHEMA archive;

CREATE TABLE audit_log (LIKE archive.audit_log INCLUDING ALL);

ALTER TABLE archive.audit_log RENAME TO audit_log_2016_2020;

-- migration: 20201120140000_move_closed_issues
WITH moved AS (
    DELETE FROM issues
    WHERE state = 'closed' AND closed_at < now() - interval '2 years'
    RETURNING *
)
INSERT INTO archive.issues
SELECT * FROM moved;

-- migration: 20210105093000_unlogged_cache
CREATE UNLOGGED TABLE cache_entries (
    key text PRIMARY KEY,
    value bytea NOT NULL,
    expires_at timestamptz NOT NULL
) WITH (fillfactor = 80, autovacuum_enabled = true);

CREATE INDEX cache_entries_expires_at_idx ON cache_entries USING brin (expires_at) WITH (pages_per_range = 32);

-- migration: 20210211100000_fillfactor
ALTER TABLE issues SET (fillfactor = 70);
ALTER TABLE comments SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01);
ALTER TABLE cache_entries RESET (fillfactor);

-- migration: 20210315120000_identity_conversion
-- Convert labels.id from serial to an identity column (the usual dance).
ALTER TABLE labels ALTER COLUMN id DROP DEFAULT;
DROP SEQUENCE labels_id_seq;
ALTER TABLE labels ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
SELECT setval(pg_get_serial_sequence('labels', 'id'), coalesce(max(id), 0) + 1, false) FROM labels;
ALTER TABLE labels ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE meeting_rooms ALTER COLUMN id RESTART WITH 1000;

-- migration: 20210420083000_statistics
CREATE STATISTICS IF NOT EXISTS issues_project_state_stats (dependencies, ndistinct) ON project_id, state FROM issues;
CREATE STATISTICS users_account_role_stats ON account_id, role FROM users;
ALTER STATISTICS users_account_role_stats SET STATISTICS 500;
DROP STATISTICS IF EXISTS users_account_role_stats;

-- migration: 20210518120000_covering_indexes
CREATE INDEX CONCURRENTLY issues_project_state_covering_idx
    ON issues (project_id, state) INCLUDE (title, priority)
    WHERE state <> 'closed';

CREATE INDEX users_lower_email_idx ON users (lower(email::text) text_pattern_ops);

CREATE INDEX comments_created_at_brin ON comments USING brin (created_at);

CREATE INDEX api_tokens_user_id_hash_idx ON api_tokens USING hash (user_id);

CREATE INDEX issues_closed_at_idx ON issues (closed_at DESC NULLS LAST) WHERE closed_at IS NOT NULL;

DROP INDEX CONCURRENTLY IF EXISTS index_issues_on_project_id;

-- migration: 20210607100000_comment_everything
COMMENT ON INDEX issues_project_state_covering_idx IS 'Board view: open issues per project';
COMMENT ON COLUMN issues.priority IS '1 = urgent ... 5 = someday';
COMMENT ON TABLE public.issues IS 'Units of work. Numbered per project.';
COMMENT ON SEQUENCE invoice_number_seq IS 'Invoice numbers are public and must never be reused';
COMMENT ON TRIGGER issues_tsv_update ON issues IS 'Keeps search_vector in sync';
COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';
COMMENT ON ROLE corpus_app_readonly IS 'Dashboards and BI';

-- migration: 20210712150000_upserts
CREATE TABLE feature_flags (
    name text PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT false,
    rollout_percent smallint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO feature_flags (name, enabled, rollout_percent)
VALUES ('new_editor', true, 10), ('dark_mode', false, 0)
ON CONFLICT (name) DO UPDATE
SET enabled = EXCLUDED.enabled,
    rollout_percent = EXCLUDED.rollout_percent,
    updated_at = now()
WHERE feature_flags.rollout_percent IS DISTINCT FROM EXCLUDED.rollout_percent;

INSERT INTO feature_flags AS f (name) VALUES ('new_editor')
ON CONFLICT ON CONSTRAINT feature_flags_pkey DO NOTHING;

INSERT INTO feature_flags (name, enabled) VALUES ('beta_api', true)
ON CONFLICT (name) DO NOTHING
RETURNING name, enabled;

-- migration: 20210830090000_backfill_account_on_issues
ALTER TABLE issues ADD COLUMN account_id integer;

UPDATE issues i
SET account_id = p.account_id
FROM projects p
WHERE p.id = i.project_id
  AND i.account_id IS NULL;

ALTER TABLE issues ADD CONSTRAINT issues_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;

ALTER TABLE issues VALIDATE CONSTRAINT issues_account_id_fkey;

ALTER TABLE issues ADD CONSTRAINT issues_account_id_not_null CHECK (account_id IS NOT NULL) NOT VALID;
ALTER TABLE issues VALIDATE CONSTRAINT issues_account_id_not_null;
ALTER TABLE issues ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE issues DROP CONSTRAINT issues_account_id_not_null;

-- migration: 20211004110000_table_rebuild_attachments
-- attachments grew a polymorphic mess; rebuild it with a proper shape.
CREATE TABLE attachments_new (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    issue_id integer REFERENCES issues (id) ON DELETE CASCADE,
    comment_id bigint REFERENCES comments (id) ON DELETE CASCADE,
    filename text NOT NULL,
    content_type text NOT NULL DEFAULT 'application/octet-stream',
    byte_size bigint NOT NULL CHECK (byte_size >= 0),
    checksum text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attachments_one_owner CHECK (num_nonnulls(issue_id, comment_id) = 1)
);

INSERT INTO attachments_new (id, issue_id, comment_id, filename, content_type, byte_size, checksum, metadata, created_at)
SELECT id,
       CASE WHEN attachable_type = 'Issue' THEN attachable_id::integer END,
       CASE WHEN attachable_type = 'Comment' THEN attachable_id END,
       filename,
       coalesce(content_type, 'application/octet-stream'),
       byte_size,
       checksum,
       metadata,
       created_at AT TIME ZONE 'UTC'
FROM attachments
WHERE attachable_type IN ('Issue', 'Comment');

DROP TABLE attachments;

ALTER TABLE attachments_new RENAME TO attachments;
ALTER INDEX attachments_new_pkey RENAME TO attachments_pkey;
ALTER TABLE attachments RENAME CONSTRAINT attachments_new_issue_id_fkey TO attachments_issue_id_fkey;
ALTER TABLE attachments RENAME CONSTRAINT attachments_new_comment_id_fkey TO attachments_comment_id_fkey;

SELECT setval(pg_get_serial_sequence('attachments', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM attachments), false);

CREATE INDEX attachments_issue_id_idx ON attachments (issue_id) WHERE issue_id IS NOT NULL;
CREATE INDEX attachments_comment_id_idx ON attachments (comment_id) WHERE comment_id IS NOT NULL;

-- migration: 20211110100000_composite_types
CREATE TYPE money_amount AS (
    amount_cents bigint,
    currency char(3)
);

CREATE TYPE address AS (line1 text, line2 text, city text, postal_code text, country char(2));

ALTER TYPE address ADD ATTRIBUTE region text;

ALTER TABLE accounts ADD COLUMN billing_address address;

CREATE FUNCTION format_money(m money_amount) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT to_char((m).amount_cents / 100.0, 'FM999G999G990D00') || ' ' || (m).currency $$;

-- migration: 20211201090000_rename_enum_value
ALTER TYPE issue_state RENAME VALUE 'in_progress' TO 'doing';
ALTER TYPE issue_state ADD VALUE IF NOT EXISTS 'blocked' AFTER 'doing';
ALTER TYPE project_visibility RENAME TO visibility_level;

-- migration: 20220110083000_collation_and_text_search
CREATE COLLATION IF NOT EXISTS case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE COLLATION IF NOT EXISTS german_phonebook (provider = icu, locale = 'de-u-co-phonebk');

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = pg_catalog.english);

ALTER TEXT SEARCH CONFIGURATION english_unaccent
    ALTER MAPPING FOR hword, hword_part, word
    WITH unaccent, english_stem;

ALTER TABLE labels ALTER COLUMN name TYPE varchar(50) COLLATE case_insensitive;

-- migration: 20220214120000_issues_tsv_generated
-- high_priority_issues was `SELECT *`, so it pins every column of issues.
DROP VIEW high_priority_issues;
DROP TRIGGER IF EXISTS issues_tsv_update ON issues;
DROP FUNCTION IF EXISTS issues_search_vector_update();
DROP INDEX IF EXISTS issues_search_vector_idx;
ALTER TABLE issues DROP COLUMN search_vector;
ALTER TABLE issues ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')
    ) STORED;
CREATE INDEX CONCURRENTLY issues_search_vector_idx ON issues USING gin (search_vector);
CREATE VIEW high_priority_issues AS
    SELECT id, project_id, number, title, priority, state FROM issues WHERE priority <= 2
    WITH CASCADED CHECK OPTION;

-- migration: 20220301100000_aggregate_and_cast
CREATE AGGREGATE array_cat_agg(anycompatiblearray) (
    SFUNC = array_cat,
    STYPE = anycompatiblearray,
    INITCOND = '{}'
);

CREATE CAST (varchar AS issue_state) WITH INOUT AS ASSIGNMENT;

CREATE FUNCTION bool_to_flag(boolean) RETURNS char AS $$ SELECT CASE WHEN $1 THEN 'Y' ELSE 'N' END $$ LANGUAGE sql IMMUTABLE;

COMMENT ON AGGREGATE array_cat_agg(anycompatiblearray) IS 'Concatenate arrays across rows';

-- migration: 20220405090000_procedures
CREATE OR REPLACE PROCEDURE purge_expired_cache(batch_size integer DEFAULT 1000)
LANGUAGE plpgsql
AS $$
DECLARE
    deleted integer;
BEGIN
    LOOP
        DELETE FROM cache_entries
        WHERE ctid IN (
            SELECT ctid FROM cache_entries WHERE expires_at < now() LIMIT batch_size
        );
        GET DIAGNOSTICS deleted = ROW_COUNT;
        EXIT WHEN deleted = 0;
        COMMIT;
    END LOOP;
END;
$$;

CALL purge_expired_cache();

CALL purge_expired_cache(batch_size => 500);

-- migration: 20220502110000_sql_standard_bodies
CREATE FUNCTION issue_key(p_project_slug text, p_number integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN upper(p_project_slug) || '-' || p_number::text;

CREATE OR REPLACE FUNCTION open_issue_count(p_account_id integer) RETURNS bigint
    LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT count(*)
    FROM issues
    WHERE account_id = p_account_id
      AND state <> 'closed';
END;

-- migration: 20220613100000_merge_usage
CREATE TABLE usage_daily (
    account_id integer NOT NULL,
    day date NOT NULL,
    api_calls bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, day)
);

MERGE INTO usage_daily AS d
USING (
    SELECT account_id, occurred_at::date AS day, count(*) AS calls
    FROM events
    WHERE kind = 'api.call'
    GROUP BY 1, 2
) AS s
ON d.account_id = s.account_id AND d.day = s.day
WHEN MATCHED THEN
    UPDATE SET api_calls = d.api_calls + s.calls
WHEN NOT MATCHED THEN
    INSERT (account_id, day, api_calls) VALUES (s.account_id, s.day, s.calls);

-- migration: 20220720090000_nulls_not_distinct
CREATE UNIQUE INDEX invitations_email_pending_key ON invitations (account_id, email, accepted_at) NULLS NOT DISTINCT;

ALTER TABLE notification_settings
    ADD CONSTRAINT notification_settings_digest_unique UNIQUE NULLS NOT DISTINCT (user_id, digest_hour);

-- migration: 20220815140000_security_invoker_view
CREATE OR REPLACE VIEW account_overview WITH (security_invoker = true) AS
SELECT a.id,
       a.name,
       a.plan,
       (SELECT count(*) FROM projects p WHERE p.account_id = a.id) AS project_count,
       (SELECT count(*) FROM users u WHERE u.account_id = a.id) AS user_count
FROM accounts a;

ALTER VIEW account_overview SET (security_barrier = true);
ALTER VIEW IF EXISTS active_users RENAME TO recently_active_users;
ALTER VIEW high_priority_issues RENAME COLUMN title TO issue_title;

-- migration: 20220906100000_recursive_view
CREATE TABLE org_units (
    id integer PRIMARY KEY,
    parent_id integer REFERENCES org_units (id),
    name text NOT NULL
);

CREATE RECURSIVE VIEW org_unit_paths (id, path, depth) AS
    SELECT id, ARRAY[name], 1 FROM org_units WHERE parent_id IS NULL
    UNION ALL
    SELECT o.id, p.path || o.name, p.depth + 1
    FROM org_units o
    JOIN org_unit_paths p ON p.id = o.parent_id;

CREATE EXTENSION IF NOT EXISTS ltree;

ALTER TABLE org_units ADD COLUMN path ltree;
CREATE INDEX org_units_path_gist_idx ON org_units USING gist (path);

-- migration: 20221003083000_statement_triggers
CREATE TABLE issue_counters (
    project_id integer PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    open_count integer NOT NULL DEFAULT 0
);

CREATE OR REPLACE FUNCTION bump_issue_counters() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO issue_counters AS c (project_id, open_count)
    SELECT project_id, count(*) FROM new_issues GROUP BY project_id
    ON CONFLICT (project_id) DO UPDATE SET open_count = c.open_count + EXCLUDED.open_count;
    RETURN NULL;
END
$body$;

CREATE TRIGGER issues_bump_counters
    AFTER INSERT ON issues
    REFERENCING NEW TABLE AS new_issues
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_issue_counters();

CREATE OR REPLACE FUNCTION log_issue_state_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (table_name, record_id, action, old_row, new_row)
    VALUES ('issues', NEW.id, 'U', jsonb_build_object('state', OLD.state), jsonb_build_object('state', NEW.state));
    IF NEW.state = 'closed' AND NEW.closed_at IS NULL THEN
        UPDATE issues SET closed_at = now() WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER issues_state_change
    AFTER UPDATE OF state ON issues
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION log_issue_state_change();

CREATE CONSTRAINT TRIGGER invoices_lines_present
    AFTER INSERT ON invoices
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    EXECUTE PROCEDURE set_updated_at();

DROP TRIGGER invoices_lines_present ON invoices;

ALTER TABLE issues DISABLE TRIGGER issues_bump_counters;
ALTER TABLE issues ENABLE TRIGGER issues_bump_counters;

-- migration: 20221020120000_exercise_triggers
INSERT INTO issues (project_id, account_id, number, title, body, priority)
SELECT p.id, p.account_id, coalesce(max(i.number), 0) + 1, 'Upgrade to PostgreSQL 15', 'MERGE!', 3
FROM projects p
LEFT JOIN issues i ON i.project_id = p.id
WHERE p.slug = 'website-redesign'
GROUP BY p.id, p.account_id;

UPDATE issues SET state = 'closed' WHERE title = 'Upgrade to PostgreSQL 15';

-- migration: 20221115100000_event_trigger
CREATE TABLE ddl_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command_tag text NOT NULL,
    object_identity text,
    happened_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION record_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
        INSERT INTO public.ddl_history (command_tag, object_identity)
        VALUES (r.command_tag, r.object_identity);
    END LOOP;
END;
$$;

CREATE EVENT TRIGGER corpus_record_ddl ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'DROP TABLE')
    EXECUTE FUNCTION record_ddl();

ALTER EVENT TRIGGER corpus_record_ddl DISABLE;

-- migration: 20221201090000_locks_and_maintenance
DO $$
BEGIN
    LOCK TABLE issues IN SHARE ROW EXCLUSIVE MODE;
    UPDATE issues SET priority = 3 WHERE priority IS NULL;
END $$;

DO LANGUAGE plpgsql $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('migrations'));
END
$$;

SELECT pg_advisory_lock(4242);
SELECT pg_advisory_unlock(4242);

ANALYZE issues;
ANALYZE VERBOSE comments (issue_id, created_at);
VACUUM (ANALYZE) issues;
VACUUM FULL cache_entries;
VACUUM;

CLUSTER comments USING comments_issue_id_created_at_idx;
ALTER TABLE comments SET WITHOUT CLUSTER;

REINDEX INDEX users_lower_email_idx;
REINDEX TABLE CONCURRENTLY watchers;

-- migration: 20230110100000_notify_workers
NOTIFY schema_changed;
NOTIFY cache_invalidate, 'projects';
SELECT pg_notify('cache_invalidate', 'issues');
LISTEN ignored_channel;
UNLISTEN *;

-- migration: 20230214083000_table_as
CREATE TABLE issue_snapshots AS
SELECT id, project_id, state, now() AS captured_at
FROM issues
WITH NO DATA;

CREATE TABLE IF NOT EXISTS legacy_user_emails AS
    SELECT id, email FROM users WHERE created_at < '2018-01-01';

SELECT id, name INTO TEMP TABLE tmp_account_names FROM accounts;

DROP TABLE tmp_account_names;

CREATE TEMPORARY TABLE tmp_issue_moves (issue_id integer, new_project_id integer) ON COMMIT PRESERVE ROWS;

-- migration: 20230320120000_delete_using_and_truncate
DELETE FROM watchers w
USING users u
WHERE u.id = w.user_id
  AND u.sign_in_count = 0
  AND u.created_at < now() - interval '3 years';

DELETE FROM api_tokens WHERE expires_at < now() RETURNING id, user_id;

TRUNCATE TABLE cache_entries;
TRUNCATE issue_snapshots, legacy_user_emails RESTART IDENTITY;
TRUNCATE ONLY ddl_history RESTART IDENTITY CASCADE;

-- migration: 20230418090000_sequences
ALTER SEQUENCE invoice_number_seq RESTART WITH 5000;
ALTER SEQUENCE invoice_number_seq AS bigint MAXVALUE 9999999999 NO CYCLE;
ALTER SEQUENCE IF EXISTS comments_id_seq CACHE 10;
CREATE SEQUENCE public.ticket_seq AS smallint MINVALUE 1 MAXVALUE 30000 CYCLE;
SELECT setval('public.ticket_seq', 42, true);
SELECT nextval('ticket_seq'), currval('ticket_seq');
DROP SEQUENCE IF EXISTS public.ticket_seq CASCADE;

-- migration: 20230522100000_session_settings
SET lock_timeout = '5s';
SET SESSION statement_timeout TO '15min';
SET TIME ZONE 'UTC';
SET LOCAL work_mem = '64MB';
SET maintenance_work_mem = '512MB';
SELECT set_config('app.current_account_id', '1', false);
RESET lock_timeout;
RESET maintenance_work_mem;
SHOW search_path;

-- migration: 20230619083000_hstore_to_jsonb
ALTER TABLE accounts ADD COLUMN preferences jsonb NOT NULL DEFAULT '{}';
UPDATE accounts SET preferences = hstore_to_jsonb(settings);
ALTER TABLE accounts DROP COLUMN settings;

-- migration: 20230712110000_json_paths
UPDATE attachments
SET metadata = jsonb_set(metadata, '{analyzed}', 'true'::jsonb, true)
WHERE metadata ? 'width' AND NOT metadata @> '{"analyzed": true}';

UPDATE accounts
SET preferences = preferences - 'legacy_theme' || jsonb_build_object('theme', preferences->>'legacy_theme')
WHERE preferences ? 'legacy_theme';

CREATE INDEX accounts_preferences_theme_idx ON accounts ((preferences->>'theme'));

-- migration: 20230808140000_strings_and_quoting
CREATE TABLE "AuditNotes" (
    "Id" serial PRIMARY KEY,
    "NoteText" text NOT NULL,
    "user" text,
    "order" integer,
    "select" boolean DEFAULT false
);

INSERT INTO "AuditNotes" ("NoteText", "user", "order") VALUES
    ('It''s a trap; really', 'o''brien', 1),
    (E'Line one\nLine two\twith tab', 'ops', 2),
    ($$Dollar 'quoted' text; with semicolons$$, $tag$nested $$ inside$tag$, 3),
    (U&'d\0061t\+000061', NULL, 4);

COMMENT ON COLUMN "AuditNotes"."NoteText" IS 'Free text; may contain ";" and ''quotes''';

ALTER TABLE "AuditNotes" RENAME TO audit_notes;

-- migration: 20230914100000_detach_old_partition
ALTER TABLE events DETACH PARTITION events_2019;
ALTER TABLE events_2019 SET SCHEMA archive;
-- A default partition blocks DETACH ... CONCURRENTLY; it was always empty anyway.
DROP TABLE events_default;
ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;
ALTER TABLE events ATTACH PARTITION events_2020 FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2021-01-01 00:00:00+00');

-- migration: 20231002090000_rules_and_publication
CREATE RULE audit_notes_no_delete AS ON DELETE TO audit_notes DO INSTEAD NOTHING;
DROP RULE audit_notes_no_delete ON audit_notes;

CREATE PUBLICATION corpus_cdc FOR TABLE issues, comments WITH (publish = 'insert, update');
ALTER PUBLICATION corpus_cdc ADD TABLE projects;
ALTER TABLE issues REPLICA IDENTITY FULL;
ALTER TABLE comments REPLICA IDENTITY DEFAULT;

-- migration: 20231106120000_column_tweaks
ALTER TABLE users ALTER COLUMN role SET DEFAULT 'viewer';
ALTER TABLE users ALTER COLUMN current_sign_in_ip DROP DEFAULT;
ALTER TABLE issues ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE issues ALTER COLUMN title SET STATISTICS 1000;
ALTER TABLE users ALTER COLUMN time_zone TYPE text;
ALTER TABLE projects ALTER COLUMN description SET COMPRESSION pglz;
ALTER TABLE IF EXISTS legacy_user_emails RENAME COLUMN email TO address;
ALTER TABLE IF EXISTS does_not_exist_anymore ADD COLUMN x integer;
ALTER TABLE comments DROP COLUMN IF EXISTS legacy_format;
ALTER TABLE ONLY users ALTER COLUMN sign_in_count SET DEFAULT 0;

-- migration: 20231211083000_levenshtein_helper
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

CREATE OR REPLACE FUNCTION similar_label(p_project_id integer, p_name text)
RETURNS TABLE (label_id integer, name text, distance integer)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY
        SELECT l.id, l.name::text, levenshtein(lower(l.name::text), lower(p_name))
        FROM labels l
        WHERE l.project_id = p_project_id
        ORDER BY 3
        LIMIT 5;
END;
$$;

ALTER FUNCTION similar_label(integer, text) SET search_path = public, pg_temp;
ALTER FUNCTION similar_label(integer, text) OWNER TO postgres;
ALTER FUNCTION bool_to_flag(boolean) RENAME TO boolean_flag;

-- migration: 20240115100000_password_hashing
ALTER TABLE users ADD COLUMN password_hash text;
UPDATE users SET password_hash = crypt(encrypted_password, gen_salt('bf', 10)) WHERE encrypted_password <> '';
ALTER TABLE users DROP COLUMN encrypted_password;

-- migration: 20240220090000_cleanup_drops
DROP VIEW IF EXISTS high_priority_issues;
DROP MATERIALIZED VIEW IF EXISTS account_activity;
DROP POLICY IF EXISTS projects_reporting_read ON projects;
DROP FUNCTION IF EXISTS format_money(money_amount);
DROP TYPE IF EXISTS money_amount;
DROP DOMAIN IF EXISTS positive_money CASCADE;
DROP TABLE IF EXISTS legacy_user_emails, issue_snapshots;
DROP CAST IF EXISTS (varchar AS issue_state);
DROP AGGREGATE IF EXISTS array_cat_agg(anycompatiblearray);
DROP EXTENSION IF EXISTS fuzzystrmatch CASCADE;
DROP COLLATION IF EXISTS german_phonebook;
DROP TEXT SEARCH CONFIGURATION IF EXISTS english_unaccent;
DROP EVENT TRIGGER IF EXISTS corpus_record_ddl;
DROP PUBLICATION IF EXISTS corpus_cdc;
DROP SCHEMA IF EXISTS scratch CASCADE;

-- migration: 20240318110000_revoke_writer
REVOKE corpus_app_readonly FROM corpus_app_writer;
REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM corpus_app_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE ON SEQUENCES FROM corpus_app_writer;
REVOKE ALL PRIVILEGES ON SCHEMA archive FROM PUBLIC;
GRANT USAGE ON SCHEMA archive TO corpus_reporting WITH GRANT OPTION;
ALTER ROLE corpus_reporting RESET statement_timeout;

-- migration: 20240422100000_empty_and_noop
SELECT;
SELECT 1;
DO $$ BEGIN RAISE NOTICE 'nothing to migrate for tenants on the legacy plan'; END $$;

-- migration: 20240530090000_final_stats
ANALYZE;

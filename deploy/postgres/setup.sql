-- PostgreSQL for Sammachip Bot: one login role that owns one database, and nothing more.
-- Run as the postgres superuser (deploy/postgres/setup.sh does):
--   psql -v ON_ERROR_STOP=1 -v password=SECRET -f setup.sql
-- Optional: -v role=NAME -v dbname=NAME (default sammachip for both). Running it again is safe:
-- it changes the password and re-applies the privileges, and keeps the data.
--
-- Least privilege: the role is no superuser, cannot create databases or roles, cannot replicate
-- or bypass row security. It owns its database because the bot upgrades its own schema
-- (`sammachip migrate`, also on start); no other role may connect to that database.
\set ON_ERROR_STOP on
\if :{?role}
\else
  \set role sammachip
\endif
\if :{?dbname}
\else
  \set dbname sammachip
\endif
\if :{?password}
\else
  \echo 'set a password: psql -v password=... -f setup.sql'
  \quit
\endif

SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec

ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  CONNECTION LIMIT 100 PASSWORD :'password';
-- Bangkok days and months are computed by the bot; the session itself stays in UTC.
ALTER ROLE :"role" SET timezone TO 'UTC';

SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'dbname', :'role', 'UTF8')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'dbname') \gexec

ALTER DATABASE :"dbname" OWNER TO :"role";
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"dbname" TO :"role";

\connect :"dbname"
-- Only the bot's role may create objects in (or use) its schema.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"role";

#!/bin/sh
# Creates the sammachip role and database on this machine's PostgreSQL (deploy/postgres/setup.sql)
# with a new random password, and prints the DATABASE_URL line for /etc/sammachip/sammachip.env.
# Run as root: sh deploy/postgres/setup.sh   (again: a new password, the data stays)
set -eu
here=$(dirname "$0")
password=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')  # hex: nothing to escape in a URL
runuser -u postgres -- psql --quiet -v ON_ERROR_STOP=1 -v password="$password" -f - < "$here/setup.sql"
echo "DATABASE_URL=postgresql+asyncpg://sammachip:${password}@127.0.0.1:5432/sammachip"

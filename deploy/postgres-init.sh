#!/bin/sh
# The two databases of deploy/compose.yaml, each with its own role: Prefect's and cchc's.
set -e
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE prefect LOGIN PASSWORD '${PREFECT_DB_PASSWORD}';
CREATE DATABASE prefect OWNER prefect;
CREATE ROLE cchc LOGIN PASSWORD '${CCHC_DB_PASSWORD}';
CREATE DATABASE cchc OWNER cchc;
SQL

#!/usr/bin/env bash
# Adds an EF Core migration to the SQLite set:  migrations/add-migration.sh <Name>
# The migration files land in migrations/Sqlite/ (the tools put the model snapshot in a folder named after its
# namespace, so it is moved back beside the migrations).
set -euo pipefail
name=${1:?usage: migrations/add-migration.sh <MigrationName>}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/src/IdP.Server"
dotnet tool restore >/dev/null
dotnet ef migrations add "$name" --output-dir ../../migrations/Sqlite --namespace IdP.Server.Migrations.Sqlite
if [ -f IdP/Server/Migrations/Sqlite/IdpDbContextModelSnapshot.cs ]; then
  mv IdP/Server/Migrations/Sqlite/IdpDbContextModelSnapshot.cs "$root/migrations/Sqlite/"
  rm -rf IdP
fi

#!/usr/bin/env bash
# Adds an EF Core migration to every provider's set:  migrations/add-migration.sh <Name>
# Both sets are generated from the same model: migrations/Sqlite (IdpDbContext) and migrations/PostgreSql
# (PostgreSqlIdpDbContext). A test (MigrationSetTests) fails when either set lags behind the model.
# The tools put each model snapshot in a folder named after its namespace, so it is moved back beside its set.
# Then the compiled models are regenerated from the changed model (compile-model.sh).
set -euo pipefail
name=${1:?usage: migrations/add-migration.sh <MigrationName>}
source "$(dirname "$0")/providers.sh"
for provider in "${providers[@]}"; do
  context=$(context_of "$provider")
  dotnet ef migrations add "$name" --context "$context" \
    --output-dir "../../migrations/$provider" --namespace "IdP.Server.Migrations.$provider"
  snapshot="IdP/Server/Migrations/$provider/${context}ModelSnapshot.cs"
  if [ -f "$snapshot" ]; then
    mv "$snapshot" "$root/migrations/$provider/"
  fi
  rm -rf IdP
done
"$root/migrations/compile-model.sh"

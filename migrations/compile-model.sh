#!/usr/bin/env bash
# Regenerates the EF Core models compiled ahead of time, one per provider, into src/IdP.Server/Data/CompiledModels:
#   migrations/compile-model.sh
# IdP loads these instead of building its model at start-up. add-migration.sh runs this after a model change; a test
# (CompiledModelTests) fails when either compiled model differs from what the model code generates now.
# Each model is generated beside the build output first and then replaces its folder, so that the project (which
# uses the current compiled models) still builds, and files of entities since removed go. If the project no longer
# builds because an entity the compiled model names was removed or renamed, delete src/IdP.Server/Data/CompiledModels
# and run this again: without it EF Core builds the model at start-up, as before.
set -euo pipefail
source "$(dirname "$0")/providers.sh"
for provider in "${providers[@]}"; do
  staging="obj/compiled-model/$provider"
  rm -rf "$staging"
  dotnet ef dbcontext optimize --context "$(context_of "$provider")" \
    --output-dir "$staging" --namespace "IdP.Server.Data.CompiledModels.$provider"
  rm -rf "Data/CompiledModels/$provider"
  mkdir -p Data/CompiledModels
  mv "$staging" "Data/CompiledModels/$provider"
done

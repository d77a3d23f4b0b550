# Sourced by add-migration.sh and compile-model.sh: works from the server project with the pinned EF Core tools,
# and names each provider's context type (its migration set and compiled model are bound to that type).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root/src/IdP.Server"
dotnet tool restore >/dev/null
providers=(Sqlite PostgreSql)
context_of() {
  case "$1" in
    Sqlite) echo IdpDbContext ;;
    PostgreSql) echo PostgreSqlIdpDbContext ;;
  esac
}

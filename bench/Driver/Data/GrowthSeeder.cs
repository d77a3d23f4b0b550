using System.Globalization;

namespace IdP.Bench.Data;

/// <summary>How big the growth database should be, in totals (what is already there counts).</summary>
public sealed record GrowthTargets(int Users, int Mappings, int Clients, string TemplateUser = "bench-template", string TemplateClient = "bench-cc",
    string Registry = "ldaps://bench.example");

/// <summary>
/// Grows an IdP database to the size (1,000,000 users, 100,000 mappings, 1,000 clients by default) with
/// copies of a template user and client: <c>IdP.Bench grow --db idp.db</c>, or <c>bench/run.sh --growth</c>.
/// </summary>
public static class GrowthSeeder
{
    public const string UserPrefix = "bench-g";
    public const string ClientPrefix = "bench-client-";

    public static (long Users, long Mappings, long Clients) Grow(string path, GrowthTargets targets, Action<string> say)
    {
        using var db = new BenchDatabase(path);
        var users = targets.Users - db.Count("AspNetUsers");
        if (users > 0)
        {
            db.CloneUsers(targets.TemplateUser, UserPrefix, 1, (int)users,
                done => say(string.Create(CultureInfo.InvariantCulture, $"  {done:N0} of {users:N0} users")));
        }

        var mappings = targets.Mappings - db.Count("IdpIdentityMappings");
        if (mappings > 0)
        {
            // Growth users are mapped in turn; if there are fewer growth users than mappings to add, the rest stays unmapped.
            db.MapUsers(UserPrefix, 1, (int)Math.Min(mappings, Math.Max(users, 0)), targets.Registry, 'G');
        }

        var clients = targets.Clients - db.Count("OpenIddictApplications");
        if (clients > 0)
        {
            db.CloneClients(targets.TemplateClient, ClientPrefix, (int)clients);
        }

        db.Checkpoint();
        return (db.Count("AspNetUsers"), db.Count("IdpIdentityMappings"), db.Count("OpenIddictApplications"));
    }
}

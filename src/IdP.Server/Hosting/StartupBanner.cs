using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Protocol;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting;

/// <summary>What a newcomer needs once the server is up: where it is and how to sign in.</summary>
public sealed class StartupBanner(IOptions<IdpServerOptions> server, IOptions<DatabaseOptions> database)
{
    public void Print(DemoCredentials? demo)
    {
        var writer = Console.Out;
        var issuer = server.Value.GetIssuerUri();
        var db = database.Value;
        var store = string.IsNullOrWhiteSpace(db.ConnectionString) ? db.ResolveSqlitePath() : $"{db.Provider} (Database:ConnectionString)";

        writer.WriteLine();
        writer.WriteLine("IdP is running.");
        writer.WriteLine($"  Issuer:     {issuer}");
        writer.WriteLine($"  Discovery:  {new Uri(issuer, ".well-known/openid-configuration")}");
        writer.WriteLine($"  Database:   {store}");
        writer.WriteLine();

        if (demo is not null)
        {
            writer.WriteLine("Demo data (Development only; do not use in production):");
            foreach (var line in demo.Describe())
            {
                writer.WriteLine("  " + line);
            }

            writer.WriteLine();
        }

        writer.WriteLine("Create the first user and client (in another terminal, from the repository root):");
        writer.WriteLine("  dotnet run --project src/IdP.Server -- users add alice --email alice@example.com");
        writer.WriteLine("  dotnet run --project src/IdP.Server -- clients add my-app --public --redirect-uri http://localhost:8080/callback --scope openid profile");
        writer.WriteLine($"Then sign in: send the user to {new Uri(issuer, "connect/authorize")} with PKCE (S256);");
        writer.WriteLine("after the password they enter the activation code 'users add' printed, and set up their authenticator.");
        writer.WriteLine();
        writer.Flush();
    }
}

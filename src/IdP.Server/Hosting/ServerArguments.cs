using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting;

/// <summary>Command-line handling for the serving mode: <c>--demo</c>, and clean exits on bad settings.</summary>
public static class ServerArguments
{
    /// <summary><c>--demo</c> is shorthand for <c>--Demo:Enabled=true</c>.</summary>
    public static string[] Normalize(string[] args)
        => [.. args.Select(arg => arg == "--demo" ? "--Demo:Enabled=true" : arg)];

    /// <summary>
    /// Builds and runs the server; a configuration mistake, found while building (log levels) or starting (settings,
    /// addresses, certificates, the database), ends it with one clear message and exit code 1.
    /// </summary>
    public static async Task<int> RunAsync(WebApplicationBuilder builder, Action<WebApplication> configurePipeline)
    {
        try
        {
            HttpsCertificates.Require(builder.Configuration, builder.Environment);
            var app = builder.Build();
            configurePipeline(app);
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException exception)
        {
            await Console.Error.WriteLineAsync("IdP cannot start: invalid configuration.");
            foreach (var failure in exception.Failures)
            {
                await Console.Error.WriteLineAsync("  " + failure);
            }

            return 1;
        }
        catch (InvalidOperationException exception) when (exception.Message.Contains("Failed to convert configuration value", StringComparison.Ordinal)
                                                          || exception.Message.StartsWith("Demo:", StringComparison.Ordinal)
                                                          || exception.Message.StartsWith("Keys:", StringComparison.Ordinal)
                                                          || exception.Message.StartsWith("Database:", StringComparison.Ordinal)
                                                          || exception.Message.StartsWith("Kestrel:", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync("IdP cannot start: " + exception.Message);
            return 1;
        }
        // Before the outage test: an address in use is a socket error too.
        catch (Exception exception) when (StartupFailure.Describe(exception) is { } message)
        {
            await Console.Error.WriteLineAsync("IdP cannot start: " + message);
            return 1;
        }
        catch (Exception exception) when (Data.DatabaseOutage.IsOutage(exception))
        {
            await Console.Error.WriteLineAsync("IdP cannot start: the database did not answer within Database:StartupTimeout (" +
                exception.GetBaseException().Message + "). Check Database:ConnectionString and that the database server is running.");
            return 1;
        }
        catch (Exception exception) when (Chain(exception).Any(e => e is System.Security.Cryptography.CryptographicException))
        {
            // The database was readable but its protected keys were not: a different (or missing) key-ring certificate.
            await Console.Error.WriteLineAsync("IdP cannot start: the keys stored in the database cannot be decrypted with this " +
                "instance's Data Protection key ring. If the key ring is encrypted to a certificate, set DataProtection:Certificate " +
                "(path and password) as on the other instances.");
            return 1;
        }
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}

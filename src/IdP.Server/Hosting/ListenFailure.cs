using System.Diagnostics;
using System.Security.Cryptography;

namespace IdP.Server.Hosting;

/// <summary>
/// Kestrel's own start-up failures told as the configuration mistakes they are: an address that cannot be bound, or
/// an HTTPS endpoint whose certificate cannot be loaded. Without this they end the process with an unhandled
/// exception and a stack trace (and a certificate error would read like the key-ring one).
/// </summary>
internal static class ListenFailure
{
    private const string CertificateSettings = "Kestrel:Endpoints:<name>:Certificate (Path, and KeyPath or Password)";

    /// <summary>The message for the operator, or null when <paramref name="exception"/> did not come from Kestrel.</summary>
    public static string? Describe(Exception exception)
    {
        if (!ThrownByKestrel(exception))
        {
            return null;
        }

        return exception switch
        {
            // Kestrel's own words name the address ("Failed to bind to address http://…: address already in use.").
            IOException when exception.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal)
                => exception.Message + " Check ASPNETCORE_URLS or Kestrel:Endpoints, and that no other process listens there.",
            FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
                => $"an HTTPS endpoint's certificate could not be read ({exception.Message}). Check {CertificateSettings}.",
            CryptographicException
                => $"an HTTPS endpoint's certificate could not be loaded ({exception.Message}). Check {CertificateSettings}: " +
                   "the certificate, its private key and the password.",
            // Kestrel's own advice here is a development certificate, which IdP never uses outside tests.
            InvalidOperationException when exception.Message.Contains("No server certificate was specified", StringComparison.Ordinal)
                => $"an HTTPS endpoint has no certificate. Set {CertificateSettings}, or serve plain HTTP behind a proxy " +
                   "that terminates TLS (docs/deployment.md).",
            InvalidOperationException => exception.Message,
            _ => null,
        };
    }

    private static bool ThrownByKestrel(Exception exception)
        => new StackTrace(exception).GetFrames().Any(frame =>
            frame.GetMethod()?.DeclaringType?.FullName?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true);
}

using System.Diagnostics;
using System.Security.Cryptography;

namespace IdP.Server.Hosting;

/// <summary>
/// Failures of the framework's own start-up that are an operator's configuration mistakes, told as such: Kestrel's
/// listening addresses and HTTPS certificates, and log levels. Without this they end the process with an unhandled
/// exception and a stack trace (and a certificate error would read like the key-ring one).
/// </summary>
internal static class StartupFailure
{
    private const string Addresses = "ASPNETCORE_URLS or Kestrel:Endpoints:<name>:Url";
    private const string CertificateSettings = "Kestrel:Endpoints:<name>:Certificate (Path, and KeyPath or Password)";

    /// <summary>The message for the operator, or null when <paramref name="exception"/> is not one of these.</summary>
    public static string? Describe(Exception exception)
    {
        if (ThrownBy(exception, "Microsoft.AspNetCore.Server.Kestrel"))
        {
            return DescribeKestrel(exception);
        }

        // Logging:LogLevel:<category> with a value that is not a level; the framework's message names only the value.
        if (exception is InvalidOperationException && ThrownBy(exception, "Microsoft.Extensions.Logging.LoggerFilterConfigureOptions"))
        {
            return $"Logging:LogLevel: {exception.Message} Use Trace, Debug, Information, Warning, Error, Critical or None.";
        }

        return null;
    }

    private static string? DescribeKestrel(Exception exception) => exception switch
    {
        // Kestrel's own words name the address ("Failed to bind to address http://…: address already in use.").
        IOException when exception.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal)
            => exception.Message + $" Check {Addresses}, and that no other process listens there.",
        FormatException
            => $"{exception.Message.TrimEnd('.')}. Check {Addresses} (for example http://0.0.0.0:5000).",
        ArgumentOutOfRangeException { ParamName: "port" }
            => $"a listening address has a port outside 0-65535. Check {Addresses}.",
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

    private static bool ThrownBy(Exception exception, string typeNamePrefix)
        => new StackTrace(exception).GetFrames().Any(frame =>
            frame.GetMethod()?.DeclaringType?.FullName?.StartsWith(typeNamePrefix, StringComparison.Ordinal) == true);
}

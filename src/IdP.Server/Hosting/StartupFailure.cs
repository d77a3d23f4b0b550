using System.Net.Sockets;
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
        if (ExceptionOrigin.ThrownBy(exception, "Microsoft.AspNetCore.Server.Kestrel"))
        {
            return DescribeKestrel(exception);
        }

        // Logging:LogLevel:<category> with a value that is not a level; the framework's message names only the value.
        if (exception is InvalidOperationException && ExceptionOrigin.ThrownBy(exception, "Microsoft.Extensions.Logging.LoggerFilterConfigureOptions"))
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
        // Any other refusal to listen: a port under 1024 for an account without the right to bind it (EACCES), an
        // address this host does not have (EADDRNOTAVAIL). Checked before the database-outage test, which would
        // otherwise take a socket error for an unreachable database.
        SocketException socket
            => $"cannot listen on a configured address ({socket.Message}). Check {Addresses}: the address must be one " +
               "of this host's, and a port under 1024 needs the CAP_NET_BIND_SERVICE capability (systemd: " +
               "AmbientCapabilities=CAP_NET_BIND_SERVICE) or a proxy in front.",
        FormatException
            => $"{exception.Message.TrimEnd('.')}. Check {Addresses} (for example http://0.0.0.0:5000).",
        ArgumentOutOfRangeException { ParamName: "port" }
            => $"a listening address has a port outside 0-65535. Check {Addresses}.",
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
            => $"an HTTPS endpoint's certificate could not be read ({exception.Message}). Check {CertificateSettings}.",
        // A KeyPath that holds no PEM private key (the certificate, another file, an encrypted key without Password).
        ArgumentException when ExceptionOrigin.ThrownBy(exception, "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Certificates")
            => $"an HTTPS endpoint's private key could not be loaded ({exception.Message}). Check {CertificateSettings}: " +
               "KeyPath must be the certificate's PEM private key, and an encrypted key needs Password.",
        CryptographicException
            => $"an HTTPS endpoint's certificate could not be loaded ({exception.Message}). Check {CertificateSettings}: " +
               "the certificate, its private key and the password.",
        // Kestrel's own advice here is a development certificate, which IdP never uses outside tests.
        InvalidOperationException when exception.Message.Contains("No server certificate was specified", StringComparison.Ordinal)
            => $"an HTTPS endpoint has no certificate. Set {CertificateSettings}, or serve plain HTTP behind a proxy " +
               "that terminates TLS (docs/deployment.md).",
        // A key that is not the certificate's: Kestrel's message names the file, the cause is inside.
        InvalidOperationException { InnerException: { } inner } when exception.Message.StartsWith("Error getting private key", StringComparison.Ordinal)
            => $"{exception.Message.TrimEnd('.')}: {inner.Message} Check {CertificateSettings}: the key must be the certificate's.",
        InvalidOperationException or ArgumentException
            => $"{exception.Message.TrimEnd('.')}. Check {Addresses} and Kestrel:Endpoints.",
        _ => null,
    };
}

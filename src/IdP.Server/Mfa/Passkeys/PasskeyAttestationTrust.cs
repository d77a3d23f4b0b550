using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// What an attestation must lead to under <see cref="PasskeyAttestationMode.Required"/>: the trusted root
/// certificates, and optionally the authenticator models (AAGUIDs) accepted. Loaded once from configuration.
/// </summary>
public sealed class PasskeyAttestationTrust : IDisposable
{
    private readonly List<byte[]> _allowedAaguids;

    private PasskeyAttestationTrust(X509Certificate2Collection roots, List<byte[]> allowedAaguids)
    {
        Roots = roots;
        _allowedAaguids = allowedAaguids;
    }

    public X509Certificate2Collection Roots { get; }

    /// <summary>Whether any AAGUID is accepted (no allow-list configured).</summary>
    public bool AcceptsAnyAaguid => _allowedAaguids.Count == 0;

    public static PasskeyAttestationTrust Load(PasskeyOptions options)
    {
        var errors = new List<string>();
        var trust = TryLoad(options, errors);
        if (errors.Count > 0)
        {
            trust.Dispose();
            throw new InvalidOperationException(string.Join(" ", errors));
        }

        return trust;
    }

    /// <summary>Loads what it can and reports every bad entry, naming its setting.</summary>
    internal static PasskeyAttestationTrust TryLoad(PasskeyOptions options, List<string> errors)
    {
        var roots = new X509Certificate2Collection();
        for (var i = 0; i < options.TrustedRootCertificateFiles.Count; i++)
        {
            var path = options.TrustedRootCertificateFiles[i];
            try
            {
                var before = roots.Count;
                roots.ImportFromPemFile(path);
                if (roots.Count == before)
                {
                    errors.Add($"Mfa:Passkeys:TrustedRootCertificateFiles:{i} '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                errors.Add($"Mfa:Passkeys:TrustedRootCertificateFiles:{i} '{path}' cannot be read as PEM certificates: {ex.Message}");
            }
        }

        for (var i = 0; i < options.TrustedRootCertificates.Count; i++)
        {
            try
            {
                roots.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(options.TrustedRootCertificates[i])));
            }
            catch (Exception ex) when (ex is FormatException or CryptographicException)
            {
                errors.Add($"Mfa:Passkeys:TrustedRootCertificates:{i} is not a base64 DER certificate: {ex.Message}");
            }
        }

        var aaguids = new List<byte[]>();
        for (var i = 0; i < options.AllowedAaguids.Count; i++)
        {
            if (TryParseAaguid(options.AllowedAaguids[i], out var aaguid))
            {
                aaguids.Add(aaguid);
            }
            else
            {
                errors.Add($"Mfa:Passkeys:AllowedAaguids:{i} '{options.AllowedAaguids[i]}' must be an AAGUID: 32 hex digits, dashes allowed.");
            }
        }

        return new PasskeyAttestationTrust(roots, aaguids);
    }

    public bool IsAllowedAaguid(ReadOnlySpan<byte> aaguid)
    {
        if (AcceptsAnyAaguid)
        {
            return true;
        }

        foreach (var allowed in _allowedAaguids)
        {
            if (aaguid.SequenceEqual(allowed))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An AAGUID in its usual text form: the 16 bytes in order as hex, e.g. <c>cb69481e-8ff7-4039-93ec-0a2729a154a8</c>.</summary>
    private static bool TryParseAaguid(string value, out byte[] aaguid)
    {
        aaguid = [];
        var hex = value.Replace("-", "", StringComparison.Ordinal).Trim();
        if (hex.Length != 32 || !hex.All(Uri.IsHexDigit))
        {
            return false;
        }

        aaguid = Convert.FromHexString(hex);
        return true;
    }

    public void Dispose()
    {
        foreach (var root in Roots)
        {
            root.Dispose();
        }
    }
}

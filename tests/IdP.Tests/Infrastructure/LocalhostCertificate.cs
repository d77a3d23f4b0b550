using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdP.Tests.Infrastructure;

/// <summary>A TLS server certificate for the tests' loopback servers.</summary>
public static class LocalhostCertificate
{
    /// <summary>
    /// A self-signed RSA-2048 certificate for <c>localhost</c> and 127.0.0.1, valid for a day, written to
    /// <paramref name="directory"/> as <c>cert.pem</c> and <c>key.pem</c> (PKCS#8): what nginx and Kestrel both read.
    /// </summary>
    public static X509Certificate2 WritePem(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(directory, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }
}

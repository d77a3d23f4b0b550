using System.Text.Json;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Mfa.Passkeys;

/// <summary>A registration ceremony from the W3C WebAuthn Level 3 test vectors (§16).</summary>
public sealed record W3cRegistration(byte[] Challenge, byte[] CredentialId, byte[] Aaguid, byte[] ClientDataJson, byte[] AttestationObject);

/// <summary>An authentication ceremony from the W3C WebAuthn Level 3 test vectors, for the registration's credential.</summary>
public sealed record W3cAuthentication(byte[] Challenge, byte[] ClientDataJson, byte[] AuthenticatorData, byte[] Signature);

public sealed record W3cVector(string Section, W3cRegistration Registration, W3cAuthentication? Authentication);

/// <summary>
/// Reads <c>../shared/webauthn/w3c-test-vectors.json</c> beside the repository (never copied into it). Relying
/// party of every vector: RP ID <c>example.org</c>, origin <c>https://example.org</c>.
/// </summary>
public static class W3cTestVectors
{
    public const string RpId = "example.org";
    public const string Origin = "https://example.org";

    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllText(FilePath())));

    /// <summary>A section by the end of its name, e.g. <c>packed-es384</c> for <c>sctn-test-vectors-packed-es384</c>.</summary>
    public static W3cVector Load(string section)
    {
        var blocks = Document.Value.RootElement.GetProperty("sctn-test-vectors-" + section).GetProperty("blocks");
        var registration = blocks[0];
        var vector = new W3cRegistration(
            Hex(registration, "challenge"),
            Hex(registration, "credential_id"),
            Hex(registration, "aaguid"),
            Hex(registration, "clientDataJSON"),
            Hex(registration, "attestationObject"));

        W3cAuthentication? authentication = null;
        if (blocks.GetArrayLength() > 1 && blocks[1].TryGetProperty("signature", out _))
        {
            var block = blocks[1];
            authentication = new W3cAuthentication(Hex(block, "challenge"), Hex(block, "clientDataJSON"), Hex(block, "authenticatorData"), Hex(block, "signature"));
        }

        return new W3cVector(section, vector, authentication);
    }

    /// <summary>The CA every packed x5c chain of the vectors leads to (<c>attestation_ca_cert</c>), DER.</summary>
    public static byte[] AttestationRootCertificate()
        => Hex(Document.Value.RootElement.GetProperty("sctn-test-vectors-attestation-root-cert").GetProperty("blocks")[0], "attestation_ca_cert");

    private static byte[] Hex(JsonElement block, string name) => Convert.FromHexString(block.GetProperty(name).GetString()!);

    private static string FilePath()
    {
        var path = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "webauthn", "w3c-test-vectors.json"));
        return File.Exists(path) ? path : throw new FileNotFoundException($"The W3C WebAuthn test vectors are expected at {path}.", path);
    }
}

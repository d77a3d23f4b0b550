using System.Formats.Cbor;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>A <c>packed</c> attestation statement (WebAuthn §8.2): <c>{ alg, sig, x5c? }</c>.</summary>
internal sealed class PackedAttestationStatement
{
    private PackedAttestationStatement(int algorithm, byte[] signature, IReadOnlyList<byte[]> certificates)
    {
        Algorithm = algorithm;
        Signature = signature;
        Certificates = certificates;
    }

    /// <summary>The COSE algorithm of <see cref="Signature"/>.</summary>
    public int Algorithm { get; }

    public byte[] Signature { get; }

    /// <summary><c>x5c</c>: the attestation certificate first, then its CA certificates. Empty for self attestation.</summary>
    public IReadOnlyList<byte[]> Certificates { get; }

    public bool IsSelfAttestation => Certificates.Count == 0;

    /// <summary>WebAuthn §8.2 step 1: attStmt must be valid CBOR of the packed syntax.</summary>
    public static PackedAttestationStatement Parse(ReadOnlyMemory<byte> cbor)
    {
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Strict);
            int? algorithm = null;
            byte[]? signature = null;
            List<byte[]>? certificates = null;

            var entries = reader.ReadStartMap() ?? throw Malformed("an indefinite-length map");
            for (var i = 0; i < entries; i++)
            {
                var key = reader.ReadTextString();
                switch (key)
                {
                    case "alg":
                        algorithm = reader.ReadInt32();
                        break;
                    case "sig":
                        signature = reader.ReadByteString();
                        break;
                    case "x5c":
                        certificates = [];
                        var count = reader.ReadStartArray();
                        while (reader.PeekState() != CborReaderState.EndArray)
                        {
                            certificates.Add(reader.ReadByteString());
                        }

                        reader.ReadEndArray();
                        if (count == 0)
                        {
                            throw Malformed("an empty x5c");
                        }

                        break;
                    default:
                        // ecdaaKeyId (Level 1) and anything else is outside the syntax we verify.
                        throw Malformed($"an unexpected field '{key}'");
                }
            }

            reader.ReadEndMap();
            if (algorithm is null || signature is null)
            {
                throw Malformed("no alg or no sig");
            }

            return new PackedAttestationStatement(algorithm.Value, signature, certificates ?? []);
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or OverflowException)
        {
            throw new PasskeyException($"The packed attestation statement is not valid CBOR: {ex.Message}", ex);
        }
    }

    private static PasskeyException Malformed(string problem) => new($"The packed attestation statement has {problem}.");
}

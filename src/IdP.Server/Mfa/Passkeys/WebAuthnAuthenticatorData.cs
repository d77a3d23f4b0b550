using System.Buffers.Binary;
using System.Formats.Cbor;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// The parts of authenticator data (WebAuthn §6.1) IdP's own checks need: the sign count, and from the attested
/// credential data the AAGUID and the credential public key's algorithm.
/// </summary>
internal sealed class WebAuthnAuthenticatorData
{
    // §6.1: rpIdHash (32) | flags (1) | signCount (4) | attestedCredentialData? | extensions?
    private const int HeaderLength = 37;
    private const byte AttestedCredentialDataFlag = 0x40;

    private WebAuthnAuthenticatorData(uint signCount, byte[]? aaguid, byte[]? credentialId, int? credentialAlgorithm)
    {
        SignCount = signCount;
        Aaguid = aaguid;
        CredentialId = credentialId;
        CredentialAlgorithm = credentialAlgorithm;
    }

    public uint SignCount { get; }

    /// <summary>The authenticator model; null when the data carries no attested credential (assertions).</summary>
    public byte[]? Aaguid { get; }

    public byte[]? CredentialId { get; }

    /// <summary>The COSE algorithm (key parameter 3) of the credential public key.</summary>
    public int? CredentialAlgorithm { get; }

    public static WebAuthnAuthenticatorData Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength)
        {
            throw new PasskeyException("The authenticator data is shorter than 37 bytes.");
        }

        var signCount = BinaryPrimitives.ReadUInt32BigEndian(data[33..37]);
        if ((data[32] & AttestedCredentialDataFlag) == 0)
        {
            return new WebAuthnAuthenticatorData(signCount, null, null, null);
        }

        // §6.5.1: aaguid (16) | credentialIdLength (2, big-endian) | credentialId | credentialPublicKey (COSE_Key, CBOR)
        var attested = data[HeaderLength..];
        if (attested.Length < 18)
        {
            throw new PasskeyException("The attested credential data is truncated.");
        }

        var aaguid = attested[..16].ToArray();
        var idLength = BinaryPrimitives.ReadUInt16BigEndian(attested[16..18]);
        if (attested.Length < 18 + idLength)
        {
            throw new PasskeyException("The attested credential data is truncated.");
        }

        var credentialId = attested.Slice(18, idLength).ToArray();
        var algorithm = ReadCoseAlgorithm(attested[(18 + idLength)..].ToArray());
        return new WebAuthnAuthenticatorData(signCount, aaguid, credentialId, algorithm);
    }

    private static int ReadCoseAlgorithm(byte[] coseKeyAndExtensions)
    {
        try
        {
            // Lax and multiple root values: extensions may follow the key in the same buffer.
            var reader = new CborReader(coseKeyAndExtensions, CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
            var entries = reader.ReadStartMap() ?? throw new PasskeyException("The credential public key is an indefinite-length map.");
            for (var i = 0; i < entries; i++)
            {
                if (reader.PeekState() is CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger)
                {
                    // RFC 9052 §7.1: label 3 is "alg".
                    if (reader.ReadInt64() == 3)
                    {
                        return reader.ReadInt32();
                    }
                }
                else
                {
                    reader.SkipValue(); // a text label
                }

                reader.SkipValue(); // the label's value
            }
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or OverflowException)
        {
            throw new PasskeyException($"The credential public key is not a valid COSE key: {ex.Message}", ex);
        }

        throw new PasskeyException("The credential public key names no algorithm.");
    }
}

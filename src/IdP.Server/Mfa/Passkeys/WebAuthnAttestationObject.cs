using System.Formats.Cbor;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// An attestation object (WebAuthn §6.5): <c>{ "fmt": text, "attStmt": map, "authData": bytes }</c> in CBOR.
/// Identity parses it too but keeps its reader internal; this one serves our attestation policy.
/// </summary>
internal sealed class WebAuthnAttestationObject
{
    private WebAuthnAttestationObject(string format, ReadOnlyMemory<byte> statement, WebAuthnAuthenticatorData authenticatorData, byte[] rawAuthenticatorData)
    {
        Format = format;
        Statement = statement;
        AuthenticatorData = authenticatorData;
        RawAuthenticatorData = rawAuthenticatorData;
    }

    public string Format { get; }

    /// <summary>The attestation statement, still CBOR: its syntax depends on <see cref="Format"/>.</summary>
    public ReadOnlyMemory<byte> Statement { get; }

    public WebAuthnAuthenticatorData AuthenticatorData { get; }

    /// <summary>The authenticator data exactly as signed.</summary>
    public byte[] RawAuthenticatorData { get; }

    public static WebAuthnAttestationObject Parse(ReadOnlyMemory<byte> cbor)
    {
        try
        {
            // Strict: a duplicated "fmt" or "attStmt" key would let two readers see two different objects.
            var reader = new CborReader(cbor, CborConformanceMode.Strict);
            string? format = null;
            ReadOnlyMemory<byte>? statement = null;
            byte[]? authenticatorData = null;

            var entries = reader.ReadStartMap() ?? throw Malformed("indefinite-length map");
            for (var i = 0; i < entries; i++)
            {
                switch (reader.ReadTextString())
                {
                    case "fmt":
                        format = reader.ReadTextString();
                        break;
                    case "attStmt":
                        statement = reader.ReadEncodedValue();
                        break;
                    case "authData":
                        authenticatorData = reader.ReadByteString();
                        break;
                    default:
                        reader.SkipValue();
                        break;
                }
            }

            reader.ReadEndMap();
            if (reader.BytesRemaining != 0)
            {
                throw Malformed("trailing bytes");
            }

            if (format is null || statement is null || authenticatorData is null)
            {
                throw Malformed("fmt, attStmt or authData missing");
            }

            return new WebAuthnAttestationObject(format, statement.Value, WebAuthnAuthenticatorData.Parse(authenticatorData), authenticatorData);
        }
        catch (CborContentException ex)
        {
            throw new PasskeyException($"The attestation object is not valid CBOR: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new PasskeyException($"The attestation object is not valid CBOR: {ex.Message}", ex);
        }
    }

    private static PasskeyException Malformed(string problem) => new($"The attestation object is malformed: {problem}.");
}

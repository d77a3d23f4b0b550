using System.Buffers.Text;
using System.Text.Json;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// Reads the few fields IdP's own checks need from a serialized <c>PublicKeyCredential</c> (WebAuthn §5.1,
/// <c>toJSON()</c>: binary fields are base64url). Anything unreadable yields null: Identity's handler, which parses
/// the same JSON, reports the malformation.
/// </summary>
internal static class PasskeyCredentialJson
{
    /// <summary>The COSE algorithm of the credential being registered.</summary>
    public static int? ReadCredentialAlgorithm(string credentialJson)
    {
        try
        {
            using var document = JsonDocument.Parse(credentialJson);
            if (ReadBytes(document.RootElement, "response", "attestationObject") is not { } attestationObject)
            {
                return null;
            }

            return WebAuthnAttestationObject.Parse(attestationObject).AuthenticatorData.CredentialAlgorithm;
        }
        catch (Exception ex) when (ex is JsonException or Microsoft.AspNetCore.Identity.PasskeyException)
        {
            return null;
        }
    }

    /// <summary>The credential id and the sign count the authenticator reported in an assertion.</summary>
    public static (byte[] CredentialId, uint SignCount)? ReadAssertion(string credentialJson)
    {
        try
        {
            using var document = JsonDocument.Parse(credentialJson);
            if (ReadBytes(document.RootElement, "rawId") is not { } credentialId
                || ReadBytes(document.RootElement, "response", "authenticatorData") is not { } authenticatorData)
            {
                return null;
            }

            return (credentialId, WebAuthnAuthenticatorData.Parse(authenticatorData).SignCount);
        }
        catch (Exception ex) when (ex is JsonException or Microsoft.AspNetCore.Identity.PasskeyException)
        {
            return null;
        }
    }

    private static byte[]? ReadBytes(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { } text)
        {
            return null;
        }

        try
        {
            return Base64Url.DecodeFromChars(text.TrimEnd('='));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

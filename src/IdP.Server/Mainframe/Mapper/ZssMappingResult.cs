using System.Text.Json.Serialization;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>
/// The body ZSS's <c>/certificate/dn</c> service answers and API ML's <c>ExternalMapper</c> reads. The gateway takes
/// <c>userid</c> only from a 2xx answer with <c>returnCode</c> 0; everything else means "not mapped".
/// The SAF/RACF codes follow R_usermap (IRRSIM00): 8/8/8 with reason 48 (no mapping), 44 (bad parameter), 20 (not authorised).
/// </summary>
internal sealed record ZssMappingResult(
    [property: JsonPropertyName("userid")] string UserId,
    [property: JsonPropertyName("returnCode")] int ReturnCode,
    [property: JsonPropertyName("safReturnCode")] int SafReturnCode,
    [property: JsonPropertyName("racfReturnCode")] int RacfReturnCode,
    [property: JsonPropertyName("racfReasonCode")] int RacfReasonCode)
{
    public const int NotAuthorized = 20;
    public const int BadParameter = 44;
    public const int NoMapping = 48;

    public static ZssMappingResult Mapped(string userId) => new(userId, 0, 0, 0, 0);

    public static ZssMappingResult Failed(int reason) => new("", 8, 8, 8, reason);
}

[JsonSerializable(typeof(ZssMappingResult))]
internal sealed partial class ZssJsonContext : JsonSerializerContext;

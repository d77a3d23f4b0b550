namespace IdP.Server.Administration;

/// <summary>A request an administrator can correct: bad input or a conflict. The message is one sentence.</summary>
public sealed class AdministrationException(string message) : Exception(message);

using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Shared;

/// <summary>
/// The one error page: protocol errors that cannot be sent back to the client (unknown client, redirect_uri
/// mismatch), missing pages, and unhandled exceptions. It never shows exception details.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorPageModel(ILogger<ErrorPageModel> logger) : PageModel
{
    public string Title { get; private set; } = "Something went wrong";
    public string Message { get; private set; } = "IdP could not complete the request.";
    public string? ProtocolError { get; private set; }

    public IActionResult OnGet(int? status) => Render(status);

    public IActionResult OnPost(int? status) => Render(status);

    private IActionResult Render(int? status)
    {
        var exception = HttpContext.Features.Get<IExceptionHandlerPathFeature>();
        if (exception is not null)
        {
            logger.LogError(exception.Error, "Unhandled exception on {Path}", exception.Path);

            // Machines (protocol clients, the mapper, passkey ceremonies, health checks) expect JSON (RFC 6749 §5.2).
            if (Hosting.MachineClients.AnswerJson(exception.Path))
            {
                return new JsonResult(new Dictionary<string, string>
                {
                    [Parameters.Error] = Errors.ServerError,
                    [Parameters.ErrorDescription] = "The server could not complete the request. Try again; if it persists, contact the administrator.",
                })
                { StatusCode = StatusCodes.Status500InternalServerError };
            }

            Response.StatusCode = StatusCodes.Status500InternalServerError;
            Message = "IdP hit an unexpected problem. Try again in a moment; if it keeps happening, contact your administrator.";
            return Page();
        }

        var response = HttpContext.GetOpenIddictServerResponse();
        if (response?.Error is not null)
        {
            Title = "The application's sign-in request was rejected";
            Message = (response.ErrorDescription ?? "The request was not valid.") +
                      " Go back to the application and try again; if this keeps happening, tell its developers.";
            ProtocolError = response.Error;
            return Page();
        }

        if (status == StatusCodes.Status404NotFound)
        {
            Title = "Page not found";
            Message = "There is no page at this address. Check the link, or start again from the application you were using.";
        }

        return Page();
    }
}

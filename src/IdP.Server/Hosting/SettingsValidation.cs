using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting;

/// <summary>
/// Validates a settings class as <c>ValidateDataAnnotations()</c> does (its attributes, then
/// <see cref="IValidatableObject"/>), but reports each message as written. IdP's messages name the setting as it is
/// written in configuration (<c>Mfa:TotpPeriodSeconds must be between 15 and 120.</c>); .NET's validator wraps each in
/// a sentence naming the options class and property instead, which the operator never wrote.
/// </summary>
public static class SettingsValidation
{
    public static OptionsBuilder<TOptions> ValidateSettings<TOptions>(this OptionsBuilder<TOptions> builder) where TOptions : class
    {
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new SettingsValidator<TOptions>(builder.Name));
        return builder;
    }

    private sealed class SettingsValidator<TOptions>(string? name) : IValidateOptions<TOptions> where TOptions : class
    {
        public ValidateOptionsResult Validate(string? optionsName, TOptions options)
        {
            if (name is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var results = new List<ValidationResult>();
            return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(results.Select(result => result.ErrorMessage ?? $"{typeof(TOptions).Name}: invalid value."));
        }
    }
}

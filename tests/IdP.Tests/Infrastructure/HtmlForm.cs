using System.Net;
using System.Text.RegularExpressions;

namespace IdP.Tests.Infrastructure;

/// <summary>A form read from one of IdP's pages: its action, method and fields (hidden ones included).</summary>
public sealed partial record HtmlForm(string Action, string Method, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>All forms on the page, in document order.</summary>
    public static IReadOnlyList<HtmlForm> Parse(string html, string pageUrl)
    {
        var forms = new List<HtmlForm>();
        foreach (Match form in FormPattern().Matches(html))
        {
            var attributes = form.Groups["attributes"].Value;
            var action = Attribute(attributes, "action") ?? pageUrl;
            var method = (Attribute(attributes, "method") ?? "get").ToUpperInvariant();
            var fields = new List<KeyValuePair<string, string>>();
            foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
            {
                var inputAttributes = input.Groups["attributes"].Value;
                var type = Attribute(inputAttributes, "type") ?? "text";
                var name = Attribute(inputAttributes, "name");
                if (name is null || type is "submit" or "button")
                {
                    continue;
                }

                fields.Add(KeyValuePair.Create(name, Attribute(inputAttributes, "value") ?? ""));
            }

            forms.Add(new HtmlForm(action, method, fields));
        }

        return forms;
    }

    /// <summary>The fields with some set or replaced, ready to post.</summary>
    public FormUrlEncodedContent With(params (string Name, string Value)[] values)
    {
        var result = Fields.Where(f => values.All(v => v.Name != f.Key)).ToList();
        result.AddRange(values.Select(v => KeyValuePair.Create(v.Name, v.Value)));
        return new FormUrlEncodedContent(result);
    }

    public string? this[string name] => Fields.FirstOrDefault(f => f.Key == name).Value;

    private static string? Attribute(string attributes, string name)
    {
        var match = Regex.Match(attributes, $@"(?:^|\s){name}\s*=\s*""(?<value>[^""]*)""", RegexOptions.IgnoreCase);
        return match.Success ? WebUtility.HtmlDecode(match.Groups["value"].Value) : null;
    }

    [GeneratedRegex(@"<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input(?<attributes>[^>]*)/?>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();
}

using System.Text;

namespace IdP.Server.Mainframe;

/// <summary>
/// Reads the import file: RFC 4180 CSV with the header <c>kind,subject,registry,userid[,label]</c>. Each row keeps the
/// line it starts on (a quoted field may span lines), so that a refusal can point at it.
/// </summary>
public static class MappingCsv
{
    public const string Header = "kind,subject,registry,userid[,label]";

    private static readonly string[] Columns = ["kind", "subject", "registry", "userid", "label"];

    public sealed record Result(IReadOnlyList<(int Line, MappingRequest Request)> Rows, IReadOnlyList<MappingRowError> Errors);

    public static Result Parse(string text)
    {
        var rows = new List<(int, MappingRequest)>();
        var errors = new List<MappingRowError>();
        var records = ReadRecords(text, errors);
        if (records.Count == 0)
        {
            errors.Add(new(1, $"The file is empty; it needs the header '{Header}'."));
            return new(rows, errors);
        }

        var header = records[0].Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
        if (header.Count is < 4 or > 5 || !header.SequenceEqual(Columns.Take(header.Count)))
        {
            errors.Add(new(records[0].Line, $"The header must be '{Header}'."));
            return new(rows, errors);
        }

        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Count != header.Count)
            {
                errors.Add(new(line, $"The row has {fields.Count} fields where the header has {header.Count}."));
                continue;
            }

            rows.Add((line, new MappingRequest(fields[0], fields[1], fields[2], fields[3], fields.Count > 4 ? fields[4] : null)));
        }

        return new(rows, errors);
    }

    /// <summary>Splits the text into records; a malformed record is reported and skipped up to the end of its line.</summary>
    private static List<(int Line, List<string> Fields)> ReadRecords(string text, List<MappingRowError> errors)
    {
        var records = new List<(int, List<string>)>();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var start = line;
            var fields = new List<string>();
            string? error = null;
            var field = new StringBuilder();
            var quoted = false;
            var afterQuote = false;
            for (; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                        afterQuote = true;
                    }
                    else
                    {
                        line += c == '\n' ? 1 : 0;
                        field.Append(c);
                    }
                }
                else if (c is ',' )
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    afterQuote = false;
                }
                else if (c is '\r' or '\n')
                {
                    break;
                }
                else if (afterQuote)
                {
                    error ??= "A quoted field must end at a comma or the end of the line (RFC 4180).";
                }
                else if (c == '"')
                {
                    if (field.Length > 0)
                    {
                        error ??= "A quote inside an unquoted field; quote the whole field and double the quote (RFC 4180).";
                    }

                    quoted = true;
                }
                else
                {
                    field.Append(c);
                }
            }

            if (quoted)
            {
                error = "A quoted field is not closed before the end of the file.";
            }

            fields.Add(field.ToString());

            // The line break: \r\n, \n or a lone \r.
            if (i < text.Length && text[i] == '\r')
            {
                i++;
            }

            if (i < text.Length && text[i] == '\n')
            {
                i++;
            }

            line++;
            if (error is not null)
            {
                errors.Add(new(start, error));
            }
            else if (!(fields.Count == 1 && fields[0].Length == 0))
            {
                records.Add((start, fields));
            }
        }

        return records;
    }
}

using System.Text;

namespace IdP.Server.Mainframe;

/// <summary>
/// Lays TSO commands out for a batch SYSTSIN data set: no line longer than <see cref="Width"/> columns (so the
/// sequence-number columns 73-80 stay free), words moved to a continuation line ending the previous one with
/// <c> -</c>, and a value too long for any line (a 246-byte name) cut with <c>-</c> and resumed in column 1,
/// because a hyphen keeps the next line's leading characters as they are.
/// </summary>
public sealed class TsoCommandWriter
{
    public const int Width = 71;

    private const string Indent = "  ";

    private readonly StringBuilder _text = new();

    /// <summary>Writes one command made of <paramref name="words"/>, each kept whole unless it cannot fit on a line.</summary>
    public void Command(params string[] words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var line = "";
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i];
            var reserve = i < words.Length - 1 ? 2 : 0; // room for " -" should the next word not fit
            var separator = line.Trim().Length == 0 ? "" : " ";
            if (line.Length + separator.Length + word.Length + reserve <= Width)
            {
                line += separator + word;
                continue;
            }

            if (line.Trim().Length > 0)
            {
                _text.Append(line).Append(" -\n");
                line = Indent;
            }

            while (line.Length + word.Length + reserve > Width)
            {
                var cut = Width - 1 - line.Length;

                // Never cut beside a blank: whether TSO keeps a blank before the hyphen is not something to rely on.
                while (cut > 1 && (word[cut - 1] == ' ' || word[cut] == ' '))
                {
                    cut--;
                }

                _text.Append(line).Append(word.AsSpan(0, cut)).Append("-\n");
                line = "";
                word = word[cut..];
            }

            line += word;
        }

        _text.Append(line).Append('\n');
    }

    public override string ToString() => _text.ToString();
}

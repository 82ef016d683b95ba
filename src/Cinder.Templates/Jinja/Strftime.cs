using System.Globalization;
using System.Text;

namespace Cinder.Templates.Jinja;

/// <summary>Python's <c>datetime.strftime</c> in the C locale, for <c>strftime_now</c> (Llama 3.2 and later date their system prompt).</summary>
internal static class Strftime
{
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    private static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Format(DateTimeOffset t, string format)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                sb.Append(c);
                continue;
            }
            var d = format[++i];
            var hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
            if (d == '-' && i + 1 < format.Length)
            {
                // glibc's "no padding" flag, which Python on Linux passes through (e.g. "%-d %b %Y").
                d = format[++i];
                sb.Append(d switch
                {
                    'd' => t.Day.ToString(inv),
                    'm' => t.Month.ToString(inv),
                    'H' => t.Hour.ToString(inv),
                    'I' => hour12.ToString(inv),
                    'M' => t.Minute.ToString(inv),
                    'S' => t.Second.ToString(inv),
                    'j' => t.DayOfYear.ToString(inv),
                    'y' => (t.Year % 100).ToString(inv),
                    _ => throw new RenderError($"strftime directive '%-{d}' is not supported"),
                });
                continue;
            }
            sb.Append(d switch
            {
                'a' => Days[(int)t.DayOfWeek][..3],
                'A' => Days[(int)t.DayOfWeek],
                'b' or 'h' => Months[t.Month - 1][..3],
                'B' => Months[t.Month - 1],
                'd' => t.Day.ToString("00", inv),
                'e' => t.Day.ToString(inv).PadLeft(2),
                'm' => t.Month.ToString("00", inv),
                'y' => (t.Year % 100).ToString("00", inv),
                'Y' => t.Year.ToString(inv),
                'H' => t.Hour.ToString("00", inv),
                'I' => hour12.ToString("00", inv),
                'M' => t.Minute.ToString("00", inv),
                'S' => t.Second.ToString("00", inv),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", inv),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => t.DayOfYear.ToString("000", inv),
                'w' => ((int)t.DayOfWeek).ToString(inv),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(inv),
                'z' => (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.Duration().ToString("hhmm", inv),
                'F' => t.ToString("yyyy-MM-dd", inv),
                'T' => t.ToString("HH:mm:ss", inv),
                'D' => t.ToString("MM/dd/yy", inv),
                'R' => t.ToString("HH:mm", inv),
                'c' => $"{Days[(int)t.DayOfWeek][..3]} {Months[t.Month - 1][..3]} {t.Day,2} {t:HH:mm:ss} {t.Year}",
                'x' => t.ToString("MM/dd/yy", inv),
                'X' => t.ToString("HH:mm:ss", inv),
                'n' => "\n",
                't' => "\t",
                '%' => "%",
                _ => throw new RenderError($"strftime directive '%{d}' is not supported"),
            });
        }
        return sb.ToString();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Courier.Server.Tests;

/// <summary>The dashboard in real headless Chromium, served by Courier on a loopback port.</summary>
public sealed class DashboardBrowserTests
{
    [Fact]
    public async Task Dashboard_shows_the_states_of_a_submitted_video_and_its_retry_button_requeues_a_dead_delivery()
    {
        var chromium = Environment.GetEnvironmentVariable("COURIER_TEST_CHROMIUM");
        if (string.IsNullOrEmpty(chromium) || !File.Exists(chromium))
        {
            Assert.Fail($"COURIER_TEST_CHROMIUM is not set to a Chromium executable ('{chromium}'): run `.ci/services start` and `source .ci/work/env` first");
        }

        await using var host = CourierHost.Create(withDownTarget: true, settings: new Dictionary<string, string?>
        {
            ["Retry:MaxAttempts"] = "1",
            ["Circuit:FailureThreshold"] = "1",
            ["Circuit:BreakDuration"] = "01:00:00",
        });
        var baseAddress = await host.StartKestrelAsync();
        using var api = new HttpClient { BaseAddress = baseAddress };
        host.WriteSource("trailer/360p.mp4", 300_000);
        host.WriteSource("trailer/720p.mp4", 900_000);
        host.WriteSource("feature/hls/seg_001.ts", 500_000);
        host.WriteSource("feature/hls/index.m3u8", 300);
        using (var done = await api.PostAsJsonAsync("api/videos", new { videoId = "trailer", renditions = new[] { new { name = "360p", path = "trailer/360p.mp4" }, new { name = "720p", path = "trailer/720p.mp4" } }, targets = new[] { host.TargetA, host.TargetB } }, Ct))
        {
            done.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var submit = await api.PostAsJsonAsync("api/videos", new
        {
            videoId = "feature-7",
            renditions = new[] { new { name = "1080p", path = "feature/hls/" } },
            targets = new[] { host.TargetA, host.TargetB, host.TargetDown },
        }, Ct);
        submit.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var report = JsonDocument.Parse(await submit.Content.ReadAsStringAsync(Ct)).RootElement;
        var deadId = report.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("target").GetString() == host.TargetDown).GetProperty("id").GetString()!;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1100 } });
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(baseAddress.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                foreign.Add(request.Url);
            }
        };

        var response = await page.GotoAsync(baseAddress.ToString());
        response!.Status.ShouldBe(200);
        await page.WaitForSelectorAsync("body[data-loaded='true']", new PageWaitForSelectorOptions { Timeout = 15_000 });

        string Cell(string video, string rendition, string target) => $"td.cell[data-video='{video}'][data-rendition='{rendition}'][data-target='{target}']";
        (await page.GetAttributeAsync(Cell("feature-7", "1080p", host.TargetA), "data-state")).ShouldBe("delivered");
        (await page.GetAttributeAsync(Cell("feature-7", "1080p", host.TargetB), "data-state")).ShouldBe("delivered");
        (await page.GetAttributeAsync(Cell("feature-7", "1080p", host.TargetDown), "data-state")).ShouldBe("dead");
        (await page.InnerTextAsync(Cell("feature-7", "1080p", host.TargetDown))).ShouldContain("1 attempt");
        (await page.GetAttributeAsync(Cell("trailer", "720p", host.TargetB), "data-state")).ShouldBe("delivered");
        (await page.InnerTextAsync("#groups")).ShouldContain(host.TargetDown);
        (await page.InnerTextAsync("#targets")).ShouldContain(host.TargetDown);
        (await page.Locator("#rate-chart svg circle.sync").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("#ttd-chart svg rect").CountAsync()).ShouldBeGreaterThan(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/dashboard.png", FullPage = true });

        await page.ClickAsync($"#dead button[data-retry-delivery='{deadId}']");

        await page.WaitForSelectorAsync(Cell("feature-7", "1080p", host.TargetDown) + "[data-state='queued']", new PageWaitForSelectorOptions { Timeout = 10_000 });
        var delivery = JsonDocument.Parse(await api.GetStringAsync($"api/deliveries/{deadId}", Ct)).RootElement;
        delivery.GetProperty("state").GetString().ShouldBe("queued");
        delivery.GetProperty("attempts").GetInt32().ShouldBe(0);
        (await page.InnerTextAsync("#message")).ShouldContain("requeued");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/dashboard-after-retry.png", FullPage = true });
        problems.ShouldBeEmpty();
        foreign.ShouldBeEmpty();
    }
}

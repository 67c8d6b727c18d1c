using Courier.Core.Domain;

namespace Courier.Core.Tests;

public sealed class NamesTests
{
    [Theory]
    [InlineData("movie-42")]
    [InlineData("A.b_c-9")]
    [InlineData("...")]
    public void Valid_names_are_accepted(string name) => Names.IsValid(name).ShouldBeTrue();

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("movie/42")]
    [InlineData("movie 42")]
    [InlineData("m\u00f6vie")]
    [InlineData("movie\u200b42")]
    [InlineData("movie\0")]
    public void Invalid_names_are_refused(string name) => Names.IsValid(name).ShouldBeFalse();

    [Fact]
    public void Names_longer_than_128_characters_are_refused()
    {
        Names.IsValid(new string('a', 128)).ShouldBeTrue();
        Names.Problem(new string('a', 129), "videoId").ShouldBe("videoId is longer than 128 characters");
    }

    [Fact]
    public void Problems_echo_control_characters_escaped()
    {
        Names.Problem("a\nb", "videoId")!.ShouldContain("a\\u000ab");
    }
}

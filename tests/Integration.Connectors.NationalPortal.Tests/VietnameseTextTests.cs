namespace Integration.Connectors.NationalPortal.Tests;

public sealed class VietnameseTextTests
{
    [Theory]
    [InlineData("Đăng ký khai sinh", "dang ky khai sinh")]
    [InlineData("ĐĂNG KÝ KẾT HÔN", "dang ky ket hon")]
    [InlineData("Cấp Giấy chứng nhận quyền sử dụng đất", "cap giay chung nhan quyen su dung dat")]
    [InlineData("Hỗ trợ chi phí mai táng", "ho tro chi phi mai tang")]
    [InlineData("  Thành lập/hoạt động -- hộ kinh doanh ", "thanh lap hoat dong ho kinh doanh")]
    [InlineData("1.900101", "1 900101")]
    [InlineData("ươ ƯỢ", "uo uo")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Fold_VietnameseText_LowerCaseWithoutDiacriticsOrPunctuation(string? text, string expected)
    {
        Assert.Equal(expected, VietnameseText.Fold(text));
    }

    [Fact]
    public void Fold_DecomposedAndComposedForms_FoldAlike()
    {
        var composed = "Đăng ký".Normalize(System.Text.NormalizationForm.FormC);
        var decomposed = "Đăng ký".Normalize(System.Text.NormalizationForm.FormD);

        Assert.Equal(VietnameseText.Fold(composed), VietnameseText.Fold(decomposed));
    }
}

using Integration.Core.Validation;

namespace Integration.Connectors.Telco;

/// <summary>The Vietnamese guidance the one-stop desk reads out to the citizen.</summary>
internal static class TelcoRemediation
{
    public static string CarrierName(Carrier carrier) => carrier switch
    {
        Carrier.Viettel => "Viettel",
        Carrier.Vinaphone => "VinaPhone",
        Carrier.Mobifone => "MobiFone",
        Carrier.Vietnamobile => "Vietnamobile",
        Carrier.Gmobile => "Gmobile",
        Carrier.Itel => "iTel",
        Carrier.Reddi => "Reddi",
        _ => carrier.ToString(),
    };

    public static string UpstreamName(string upstream) => upstream switch
    {
        "viettel" => "Viettel",
        "vnpt" => "VinaPhone (VNPT)",
        "mobifone" => "MobiFone",
        _ => "nhà mạng",
    };

    public static string NotOwner(Carrier carrier) =>
        "Số điện thoại này không đăng ký chính chủ theo giấy tờ của công dân, nên tài khoản định danh điện tử mức 2 "
        + "sẽ không được phê duyệt với số này. Công dân cần mang CCCD đến cửa hàng hoặc điểm giao dịch của "
        + $"{CarrierName(carrier)} để đăng ký thông tin thuê bao đứng tên chính mình, hoặc dùng một số điện thoại khác "
        + "đã đăng ký chính chủ của mình.";

    public static string NeverIssued =>
        "Số điện thoại này chưa được nhà mạng nào cấp (theo hệ thống tra cứu chuyển mạng giữ số). "
        + "Đề nghị kiểm tra lại số với công dân.";

    public static string Unregistered(Carrier carrier) =>
        $"{CarrierName(carrier)} cho biết số này không có thuê bao đang hoạt động. Đề nghị kiểm tra lại số với công dân; "
        + $"nếu đúng là số đang dùng, công dân mang CCCD đến cửa hàng của {CarrierName(carrier)} để đăng ký thông tin "
        + "thuê bao chính chủ.";

    public static string NoOwnershipService(Carrier carrier) =>
        $"{CarrierName(carrier)} chưa cung cấp dịch vụ đối chiếu chủ thuê bao, nên chưa xác định được số này có đứng tên "
        + "công dân hay không. Công dân có thể tự kiểm tra bằng cách soạn tin TTTB gửi 1414; nếu thông tin chưa đúng, "
        + $"mang CCCD đến cửa hàng của {CarrierName(carrier)} để cập nhật, hoặc dùng một số điện thoại khác đã đăng ký "
        + "chính chủ.";

    public static string PortabilityUnavailable(Carrier carrier) =>
        "Hệ thống tra cứu chuyển mạng giữ số đang gián đoạn, và nhà mạng theo đầu số "
        + $"({CarrierName(carrier)}) không quản lý số này: có thể số đã chuyển sang nhà mạng khác. "
        + "Đề nghị thử lại sau ít phút.";

    public static string Suspended(Carrier carrier) =>
        "Thuê bao đang bị tạm khóa nên sẽ không nhận được mã xác thực (OTP) khi đăng ký tài khoản định danh điện tử. "
        + $"Công dân cần mang CCCD đến cửa hàng của {CarrierName(carrier)} để mở khóa thuê bao.";

    public static string CarrierUnavailable(string upstream) =>
        $"Hệ thống của {UpstreamName(upstream)} đang gián đoạn hoặc quá tải nên chưa kiểm tra được chủ thuê bao. "
        + "Đề nghị thử lại sau ít phút.";

    public static string CarrierError(string upstream) =>
        $"Hệ thống của {UpstreamName(upstream)} trả lời lỗi nên chưa kiểm tra được chủ thuê bao. "
        + "Đề nghị thử lại sau; nếu lỗi lặp lại, báo bộ phận quản trị hệ thống.";
}

/// The version of MeanField and mfsim, written into every table's metadata.
public enum MeanFieldVersion {
    public static let string = "0.1.0"
}

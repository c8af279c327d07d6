//! Reading the text of a QR code from a PNG or JPEG image.

use std::path::Path;

use zeroize::Zeroizing;

/// Why no QR text came out of an image.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The file could not be read or is not a PNG/JPEG image.
    #[error("cannot read {path} as an image: {reason}")]
    Image {
        /// The image file.
        path: String,
        /// What the decoder said.
        reason: String,
    },
    /// The image holds no QR code that could be found.
    #[error("no QR code found in {0}")]
    NotFound(String),
    /// A QR code was found but could not be decoded.
    #[error("the QR code in {path} could not be decoded: {reason}")]
    Undecodable {
        /// The image file.
        path: String,
        /// What the decoder said.
        reason: String,
    },
}

/// The text of every QR code found in the image at `path`, in the order found.
pub fn decode_file(path: &Path) -> Result<Vec<Zeroizing<String>>, QrError> {
    let shown = path.display().to_string();
    let image = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| QrError::Image {
            path: shown.clone(),
            reason: e.to_string(),
        })?
        .decode()
        .map_err(|e| QrError::Image {
            path: shown.clone(),
            reason: e.to_string(),
        })?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(QrError::NotFound(shown));
    }
    grids
        .iter()
        .map(|grid| {
            grid.decode()
                .map(|(_, text)| Zeroizing::new(text))
                .map_err(|e| QrError::Undecodable {
                    path: shown.clone(),
                    reason: e.to_string(),
                })
        })
        .collect()
}

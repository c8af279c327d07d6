//! Reading the text of a QR code from a PNG or JPEG image.
//!
//! The file is read with a cap ([`MAX_IMAGE_BYTES`]) and its dimensions are
//! checked from its header ([`MAX_SIDE`], [`MAX_PIXELS`]) before any pixel
//! is decoded, so a hostile or absurd image cannot make `ichie` allocate
//! without bound (a 20000 × 20000 PNG of a few kilobytes used to take 786 MB).

use std::io::Cursor;
use std::path::Path;

use image::{ImageReader, Limits};
use zeroize::Zeroizing;

use crate::commands::read_capped;

/// The largest image file read: 32 MiB (an 8K screenshot as PNG is well under it).
pub const MAX_IMAGE_BYTES: u64 = 32 * 1024 * 1024;

/// The longest side accepted, in pixels: 8192, beyond an 8K screen.
pub const MAX_SIDE: u32 = 8_192;

/// The most pixels accepted: 40 million (an 8K screen has 33 million).
pub const MAX_PIXELS: u64 = 40_000_000;

/// The most memory the decoder may allocate: 256 MiB.
const MAX_DECODER_ALLOC: u64 = 256 * 1024 * 1024;

/// Why no QR text came out of an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The file could not be read or is not a PNG/JPEG image.
    #[error("cannot read {path} as an image: {reason}")]
    Image {
        /// The image file.
        path: String,
        /// What the decoder said.
        reason: String,
    },
    /// The text does not fit in a QR code (or the image could not be made).
    #[error("cannot make a QR code: {0}")]
    Encode(String),
    /// The image is larger than [`MAX_SIDE`] or [`MAX_PIXELS`]; nothing was decoded.
    #[error(
        "{path} is {width} × {height} pixels, more than the {MAX_SIDE} × {MAX_SIDE} (or {MAX_PIXELS} pixels) a QR code picture needs; crop or shrink it"
    )]
    TooManyPixels {
        /// The image file.
        path: String,
        /// Its width, from its header.
        width: u32,
        /// Its height, from its header.
        height: u32,
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
pub fn decode_file(path: &Path) -> Result<Vec<Zeroizing<String>>, crate::commands::CliError> {
    let bytes = read_capped(path, MAX_IMAGE_BYTES, "an image")?;
    Ok(decode_bytes(&path.display().to_string(), &bytes)?)
}

/// The text of every QR code in an image held in memory; `shown` names it in errors.
pub fn decode_bytes(shown: &str, bytes: &[u8]) -> Result<Vec<Zeroizing<String>>, QrError> {
    let image_error = |e: image::ImageError| QrError::Image {
        path: shown.to_owned(),
        reason: e.to_string(),
    };
    let reader = || {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| QrError::Image {
                path: shown.to_owned(),
                reason: e.to_string(),
            })
    };
    // The header alone says how big the picture is: check before decoding.
    let (width, height) = reader()?.into_dimensions().map_err(image_error)?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(QrError::TooManyPixels {
            path: shown.to_owned(),
            width,
            height,
        });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    let mut decoder = reader()?;
    decoder.limits(limits);
    let image = decoder.decode().map_err(image_error)?.to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(QrError::NotFound(shown.to_owned()));
    }
    grids
        .iter()
        .map(|grid| {
            grid.decode()
                .map(|(_, text)| Zeroizing::new(text))
                .map_err(|e| QrError::Undecodable {
                    path: shown.to_owned(),
                    reason: e.to_string(),
                })
        })
        .collect()
}

/// `text` as a QR code in a PNG image: black modules of 8 × 8 pixels on
/// white, with the 4-module quiet zone readers need.
pub fn encode_png(text: &str) -> Result<Vec<u8>, QrError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| QrError::Encode(e.to_string()))?;
    let image = code
        .render::<image::Luma<u8>>()
        .module_dimensions(8, 8)
        .quiet_zone(true)
        .build();
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| QrError::Encode(e.to_string()))?;
    Ok(png)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// CRC-32 (IEEE), as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    /// A valid PNG header claiming `width` × `height` 8-bit grey pixels, with
    /// an empty image data chunk: a few dozen bytes, whatever the size claimed.
    pub(crate) fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &[]);
        chunk(&mut png, b"IEND", &[]);
        png
    }

    #[test]
    fn the_crc_is_png_s() {
        // The IEND chunk's CRC is the same in every PNG.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn a_huge_picture_is_refused_from_its_header() {
        for (width, height) in [(20_000, 20_000), (MAX_SIDE + 1, 10), (7_000, 7_000)] {
            let err = decode_bytes("huge.png", &png_header(width, height)).unwrap_err();
            assert!(
                matches!(err, QrError::TooManyPixels { width: w, height: h, .. } if (w, h) == (width, height)),
                "{width}×{height}: {err}"
            );
        }
        // Within the limits, the header passes and decoding the (empty) data fails.
        let err = decode_bytes("small.png", &png_header(100, 100)).unwrap_err();
        assert!(matches!(err, QrError::Image { .. }), "{err}");
    }
}

"""Image parametrisations: what the optimiser actually changes.

Both produce a batch of RGB images in ``[0, 1]`` (a sigmoid keeps them there):

- :class:`PixelImage`: one free parameter per pixel and colour.
- :class:`FourierImage`: the image's 2-D Fourier spectrum, scaled by ``1/frequency`` so all
  frequencies learn at a similar rate, with colours decorrelated through the square root
  of ImageNet's colour covariance (Olah, Mordvintsev & Schubert 2017, Distill "Feature
  Visualization", section "Preconditioning and Parameterization"; the matrix is Lucid's).
  Gradient steps then favour natural, low-frequency, correlated-colour images.

Every parametrisation can start from an image (``init=``) and can blur itself in place
(``blur_``), which the ``blur`` regulariser uses.
"""

from __future__ import annotations

import math

import torch

from ..core.blur import gaussian_blur

# Square root of ImageNet's RGB colour covariance (Lucid's color_correlation_svd_sqrt),
# columns normalised by the largest column norm.
_COLOR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR_CORRELATION = _COLOR_SQRT / _COLOR_SQRT.norm(dim=0).max()


def _logit(x: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    x = x.clamp(eps, 1 - eps)
    return torch.log(x / (1 - x))


class ImageParam:
    """A batch of ``n`` images of ``size x size`` pixels computed from free parameters.

    ``param()`` gives ``(n,3,H,W)`` RGB in ``[0, 1]``; ``param.parameters()`` the tensors
    the optimiser updates.
    """

    n: int
    size: tuple[int, int]

    def parameters(self) -> list[torch.Tensor]:
        raise NotImplementedError

    def __call__(self) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def blur_(self, sigma: float) -> None:
        raise NotImplementedError


class PixelImage(ImageParam):
    """One parameter per pixel: ``image = sigmoid(p)``. Starts from ``init`` (RGB in [0, 1],
    ``(1|n,3,H,W)``) or, by default, grey plus a little seeded noise (``sd``)."""

    def __init__(
        self,
        n: int,
        size: int | tuple[int, int],
        *,
        init: torch.Tensor | None = None,
        sd: float = 0.01,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
    ) -> None:
        self.n = n
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if init is not None:
            p = _logit(init.detach().float().to(device)).expand(n, 3, *init.shape[-2:]).clone()
            self.size = tuple(p.shape[-2:])
        else:
            p = (torch.randn(n, 3, *self.size, generator=generator) * sd).to(device)
        self.p = p.requires_grad_(True)

    def parameters(self) -> list[torch.Tensor]:
        return [self.p]

    def __call__(self) -> torch.Tensor:
        return torch.sigmoid(self.p)

    @torch.no_grad()
    def blur_(self, sigma: float) -> None:
        self.p.copy_(_logit(gaussian_blur(torch.sigmoid(self.p), sigma)))


class FourierImage(ImageParam):
    """The image as a scaled Fourier spectrum with decorrelated colours (Olah et al. 2017):

    ``image = sigmoid(C · irfft2(s ⊙ spectrum) / 4)`` where ``s = 1 / max(f, 1/side)^decay``
    weights each frequency ``f`` (cycles per pixel) and ``C`` is :data:`COLOR_CORRELATION`
    (the identity when ``decorrelate=False``). ``init`` inverts this map exactly.
    """

    def __init__(
        self,
        n: int,
        size: int | tuple[int, int],
        *,
        init: torch.Tensor | None = None,
        sd: float = 0.01,
        decay: float = 1.0,
        decorrelate: bool = True,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
    ) -> None:
        self.n = n
        if init is not None:
            size = tuple(init.shape[-2:])
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        h, w = self.size
        fy = torch.fft.fftfreq(h)[:, None]
        fx = torch.fft.rfftfreq(w)[None, :]
        freqs = torch.sqrt(fx**2 + fy**2)
        self.scale = (1.0 / freqs.clamp_min(1.0 / max(h, w)) ** decay).to(device)
        self.color = (COLOR_CORRELATION if decorrelate else torch.eye(3)).to(device)
        self.freqs = freqs.to(device)
        if init is not None:
            spec = self._from_image(init.detach().float().to(device)).expand(n, -1, -1, -1)
            spec = torch.view_as_real(spec.contiguous()).clone()
        else:
            spec = (torch.randn(n, 3, *freqs.shape, 2, generator=generator) * sd).to(device)
        self.spectrum = spec.requires_grad_(True)

    def parameters(self) -> list[torch.Tensor]:
        return [self.spectrum]

    def _linear(self, spectrum: torch.Tensor) -> torch.Tensor:
        h, w = self.size
        pre = torch.fft.irfft2(torch.view_as_complex(spectrum) * self.scale, s=(h, w), norm="ortho") / 4
        return torch.einsum("ij,njhw->nihw", self.color, pre)

    def _from_image(self, image: torch.Tensor) -> torch.Tensor:
        pre = torch.einsum("ij,njhw->nihw", torch.linalg.inv(self.color), _logit(image)) * 4
        return torch.fft.rfft2(pre, norm="ortho") / self.scale

    def __call__(self) -> torch.Tensor:
        return torch.sigmoid(self._linear(self.spectrum))

    @torch.no_grad()
    def blur_(self, sigma: float) -> None:
        # A Gaussian blur is a product in frequency space: exp(-2 pi^2 sigma^2 f^2).
        self.spectrum.mul_(torch.exp(-2 * math.pi**2 * sigma**2 * self.freqs**2)[..., None])


def make_param(
    kind: str | ImageParam,
    n: int,
    size: int | tuple[int, int],
    *,
    init: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    decorrelate: bool = True,
    sd: float = 0.01,
) -> ImageParam:
    """``"fft"`` (Fourier, decorrelated colour), ``"fft-rgb"`` (Fourier, plain colour) or
    ``"pixel"``; an :class:`ImageParam` passes through."""
    if isinstance(kind, ImageParam):
        return kind
    what = "'fft', 'fft-rgb' or 'pixel' (or an ImageParam)"
    if not isinstance(kind, str):
        raise TypeError(f"param must be {what}, got {kind!r} ({type(kind).__name__})")
    if kind in ("fft", "fourier", "fft-rgb"):
        return FourierImage(n, size, init=init, generator=generator, device=device, sd=sd, decorrelate=decorrelate and kind != "fft-rgb")
    if kind in ("pixel", "pixels"):
        return PixelImage(n, size, init=init, generator=generator, device=device, sd=sd)
    raise ValueError(f"param must be {what}, got {kind!r}")


__all__ = ["COLOR_CORRELATION", "FourierImage", "ImageParam", "PixelImage", "make_param"]

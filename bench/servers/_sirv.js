import sirv from 'sirv';
// sirv in production mode (index built at startup), with its precompressed siblings and ETags.
export const makeSirv = (root) => sirv(root, { dev: false, etag: true, brotli: true, gzip: true, maxAge: 31536000, immutable: true, dotfiles: false, extensions: [] });

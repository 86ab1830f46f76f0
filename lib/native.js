'use strict';
// The generated loader picks the prebuilt binary for this platform (local build or
// platform package). Everything else in lib/ only adapts values to and from it.
module.exports = require('../binding.js');

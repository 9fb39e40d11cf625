// emnify organisation billing settings (pulumi-emnify).
package emnify

/**
 * The colours of Heroku's commands (@heroku/heroku-cli-util/color: app names, add-ons, attachments, commands), from
 * the running CLI's copy of the library (cli-libraries.ts), which the base command loads in init(). Until then, and in
 * code run outside a command, text stays plain, as it does whenever output is not a terminal.
 */
import {type ColorLibrary} from './cli-libraries.js'

type Paint = (text: string) => string

let library: ColorLibrary | undefined

/** Called by the base command once the library is loaded. */
export function useColors(loaded: ColorLibrary): void {
  library = loaded
}

const paint = (name: 'addon' | 'app' | 'attachment' | 'code' | 'failure' | 'label' | 'name' | 'success' | 'warning'): Paint => text => (library ? library[name](text) : text)

export const addon = paint('addon')
export const app = paint('app')
export const attachment = paint('attachment')
export const code = paint('code')
export const failure = paint('failure')
export const label = paint('label')
export const name = paint('name')
export const success = paint('success')
export const warning = paint('warning')

import type { Metadata } from "next";
import { GeistMono } from "geist/font/mono";
import { GeistSans } from "geist/font/sans";
import type { ReactNode } from "react";
import { AppNav } from "@/components/app-nav";
import { SignOutButton } from "./login/sign-out-button";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Switchyard", template: "%s · Switchyard" },
  description: "Operate pools of forward proxies and see who caused each 502 and 504.",
};

// Applies the saved or system theme before paint, so dark mode does not flash.
const themeScript = `try{var t=localStorage.getItem("theme");if(t==="dark"||(!t&&matchMedia("(prefers-color-scheme: dark)").matches))document.documentElement.classList.add("dark")}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`} suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen font-sans">
        <Providers>
          <AppNav signOut={<SignOutButton />} />
          <main className="mx-auto max-w-[1400px] px-4 py-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
